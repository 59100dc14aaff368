#include "machine/machine.hpp"

#include "devices/virtio_mmio_regs.hpp"
#include "kvm/host_cpu.hpp"
#include "loader/pvh_elf.hpp"
#include "loader/start_info.hpp"
#include "machine/cpu_state.hpp"
#include "machine/cpuid_policy.hpp"
#include "machine/exit_handler.hpp"
#include "machine/virtio_layout.hpp"
#include "machine/wake_check.hpp"
#include "rom/rom_image.hpp"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <hypercall_ports.h>
#include <signal.h>
#include <sys/time.h>
#include <time.h>

namespace vmm {

namespace {

// With the in-kernel irqchip a HLT no longer exits to userspace, so a periodic SIGALRM kicks the
// vCPU out of KVM_RUN; the handler sets kvm_run.immediate_exit so that a kick landing between two
// KVM_RUNs is not lost (KVM API, KVM_RUN). Each kick checks --timeout and whether the guest is
// halted for good. SIGINT and SIGTERM kick the same way and end the run, so that the caller can
// flush what the guest wrote. SA_RESTART keeps the signals from failing the VMM's own system
// calls (console writes); KVM_RUN still returns EINTR, as KVM never restarts it.
constexpr long kKickIntervalUs = 50'000;

std::atomic<kvm_run*> g_kick_run{nullptr};
std::atomic<int> g_stop_signal{0};

void on_kick(int) {
    if (kvm_run* run = g_kick_run.load()) run->immediate_exit = 1;
}

void on_stop_signal(int sig) {
    g_stop_signal.store(sig);
    on_kick(sig);
}

class RunSignals {
  public:
    explicit RunSignals(kvm_run* run) {
        g_stop_signal.store(0);
        g_kick_run.store(run);
        install(SIGALRM, on_kick, old_alarm_);
        install(SIGINT, on_stop_signal, old_int_);
        install(SIGTERM, on_stop_signal, old_term_);
        itimerval t{};
        t.it_value.tv_usec = kKickIntervalUs;
        t.it_interval.tv_usec = kKickIntervalUs;
        setitimer(ITIMER_REAL, &t, nullptr);
    }
    ~RunSignals() {
        itimerval t{};
        setitimer(ITIMER_REAL, &t, nullptr);
        sigaction(SIGALRM, &old_alarm_, nullptr);
        sigaction(SIGINT, &old_int_, nullptr);
        sigaction(SIGTERM, &old_term_, nullptr);
        g_kick_run.store(nullptr);
    }
    RunSignals(const RunSignals&) = delete;
    RunSignals& operator=(const RunSignals&) = delete;

  private:
    static void install(int sig, void (*handler)(int), struct sigaction& old) {
        struct sigaction sa {};
        sa.sa_handler = handler;
        sa.sa_flags = SA_RESTART;
        sigemptyset(&sa.sa_mask);
        sigaction(sig, &sa, &old);
    }
    struct sigaction old_alarm_ {};
    struct sigaction old_int_ {};
    struct sigaction old_term_ {};
};

constexpr std::uint32_t kMsrTsc = 0x10;
constexpr std::uint32_t kMsrTscDeadline = 0x6e0;
constexpr std::uint64_t kRflagsIf = 1u << 9;

} // namespace

Result<std::unique_ptr<Machine>>
Machine::create(const Kvm& kvm, std::span<const std::uint8_t> kernel, MachineConfig config) {
    const PvhImage image = TRY(parse_pvh_elf(kernel));
    GuestMemory memory = TRY(GuestMemory::create(config.mem_size));
    TRY(load_pvh_segments(image, kernel, memory));
    const GuestPhysAddr start_info = TRY(write_start_info(memory, config.cmdline));

    Vm vm = TRY(Vm::create(kvm));
    TRY(vm.map_memory(memory));
    // Before any vCPU exists, so that the vCPU gets an in-kernel local APIC (KVM API).
    TRY(vm.create_irqchip());
    Vcpu vcpu = TRY(vm.create_vcpu(kvm, 0));
    const auto cpuid = guest_cpuid(TRY(kvm.supported_cpuid()), vcpu.tsc_khz());
    TRY(vcpu.set_cpuid(cpuid));
    TRY(enter_pvh_state(vcpu, memory, image.entry, start_info));

    std::unique_ptr<Machine> machine(
        new Machine(std::move(vm), std::move(memory), std::move(vcpu), std::move(config)));
    TRY(machine->attach_devices());
    if (!machine->config_.rom.empty()) TRY(machine->install_rom(cpuid));
    return machine;
}

Result<void> Machine::install_rom(const std::vector<kvm_cpuid_entry2>& cpuid) {
    RomFacts facts;
    facts.cycle_hz = std::uint64_t{vcpu_.tsc_khz()} * 1000;
    facts.memory_bytes = memory_.size();
    // Auto: where the ROM's lookup beats an exit, that is with VT-x/SVM or a ROM that runs the
    // kernel at CPL3 (docs/rom-vmm.md).
    const bool cache =
        config_.cpuid_cache == CpuidCache::On ||
        (config_.cpuid_cache == CpuidCache::Auto &&
         (host_virtualization_extension() != "none" || rom_offers_deprivileged(config_.rom)));
    if (cache) facts.cpuid = rom_cpuid_answers(cpuid);
    // Pair a guest TSC reading with the host's wall clock; the gap between them is one ioctl.
    facts.boot_cycles = TRY(vcpu_.get_msr(kMsrTsc));
    timespec now{};
    clock_gettime(CLOCK_REALTIME, &now);
    facts.boot_wallclock_ns = static_cast<std::uint64_t>(now.tv_sec) * 1000000000ull +
                              static_cast<std::uint64_t>(now.tv_nsec);
    rom_warning_ = vmm::install_rom(memory_.rom_window(), config_.rom, facts);
    return {};
}

Machine::Machine(Vm vm, GuestMemory memory, Vcpu vcpu, MachineConfig config)
    : vm_(std::move(vm)), memory_(std::move(memory)), vcpu_(std::move(vcpu)),
      config_(std::move(config)), uart_(config_.console),
      hypercalls_(
          [&vcpu = vcpu_]() -> Result<GuestContext> {
              const kvm_regs regs = TRY(vcpu.get_regs());
              const kvm_sregs sregs = TRY(vcpu.get_sregs());
              return GuestContext{regs.rdi, regs.rsi,
                                  PagingState{sregs.cr0, sregs.cr3, sregs.cr4, sregs.efer},
                                  regs.rcx, regs.r8};
          },
          memory_, config_.console) {}

Result<void> Machine::attach_devices() {
    TRY(io_bus_.add(uart16550::kCom1Base, uart16550::kPortCount, &uart_));
    TRY(io_bus_.add(DebugExit::kPort, DebugExit::kPortCount, &debug_exit_));
    // The hypercall ports exist only for a guest that was offered a ROM.
    if (!config_.rom.empty()) TRY(io_bus_.add(VMM_HC_PORT_BASE, VMM_HC_PORT_COUNT, &hypercalls_));
    for (unsigned i = 0; i < config_.disks.size(); ++i) {
        auto disk = std::make_unique<VirtioBlk>(memory_, std::move(config_.disks[i]),
                                                "vmi-disk" + std::to_string(i));
        const unsigned gsi = virtio_layout::device_gsi(i);
        auto transport = std::make_unique<VirtioMmio>(
            memory_, *disk,
            [this, gsi](bool asserted) {
                if (auto set = vm_.set_irq_line(gsi, asserted); !set && irq_error_.empty())
                    irq_error_ = set.error().message;
            },
            [i](const std::string& why) {
                std::fprintf(stderr, "vmm: virtio-blk %u: %s; the device needs a reset\n", i,
                             why.c_str());
            });
        TRY(mmio_bus_.add(virtio_layout::device_base(i), virtio_mmio::kSize, transport.get()));
        disks_.push_back(std::move(disk));
        virtio_.push_back(std::move(transport));
    }
    config_.disks.clear();
    return {};
}

Result<RunOutcome> Machine::stop(StopReason reason, std::string detail) {
    RunOutcome out{reason, 0, std::move(detail)};
    out.regs = TRY(vcpu_.get_regs());
    out.sregs = TRY(vcpu_.get_sregs());
    return out;
}

Result<bool> Machine::can_wake() const {
    const kvm_lapic_state lapic = TRY(vcpu_.get_lapic());
    const std::uint64_t deadline =
        lapic_timer_uses_deadline(lapic) ? TRY(vcpu_.get_msr(kMsrTscDeadline)) : 0;
    return lapic_can_wake(lapic, deadline);
}

std::optional<RunOutcome> Machine::device_stop() {
    if (auto status = debug_exit_.status()) return RunOutcome{StopReason::DebugExit, *status, {}};
    if (hypercalls_.power_request() == PowerRequest::Shutdown)
        return RunOutcome{StopReason::DebugExit, hypercalls_.shutdown_status(), {}};
    if (config_.console_check)
        if (auto request = config_.console_check())
            return RunOutcome{request->reason, 0, std::move(request->detail)};
    return std::nullopt;
}

// Called on each kick. Interrupts disabled: nothing but an NMI (none exists) ends the HLT. Enabled:
// only if nothing can wake the vCPU on two kicks in a row, a KVM_RUN apart, so that a timer that
// expired while we were out of KVM_RUN has been delivered.
Result<std::optional<RunOutcome>> Machine::check_halted() {
    if (TRY(vcpu_.get_mp_state()) != KVM_MP_STATE_HALTED) {
        idle_kicks_ = 0;
        return std::optional<RunOutcome>{};
    }
    const kvm_regs regs = TRY(vcpu_.get_regs());
    const char* detail = nullptr;
    if (!(regs.rflags & kRflagsIf)) {
        detail = "guest halted with interrupts disabled";
    } else if (TRY(can_wake())) {
        idle_kicks_ = 0;
    } else if (++idle_kicks_ >= 2) {
        detail = "guest halted with nothing left to wake it (no deliverable interrupt pending, "
                 "no timer armed)";
    }
    if (!detail) return std::optional<RunOutcome>{};
    return std::optional{TRY(stop(StopReason::Halted, detail))};
}

Result<RunOutcome> Machine::run() {
    kvm_run* run = vcpu_.run_data();
    RunSignals signals(run);
    ExitContext exits{io_bus_, stats_, 0, 0, &mmio_bus_};
    if (!config_.rom.empty()) {
        exits.single_base = VMM_HC_PORT_BASE;
        exits.single_count = VMM_HC_PORT_COUNT;
    }
    const auto start = std::chrono::steady_clock::now();
    for (;;) {
        const bool entered = TRY(vcpu_.run());
        if (!entered) {
            run->immediate_exit = 0;
            if (const int sig = g_stop_signal.load()) {
                RunOutcome out{StopReason::Signal, static_cast<std::uint32_t>(sig),
                               std::string("stopped by SIG") + sigabbrev_np(sig)};
                return out;
            }
            const auto elapsed = std::chrono::steady_clock::now() - start;
            if (config_.timeout_sec != 0 && elapsed >= std::chrono::seconds(config_.timeout_sec))
                return stop(StopReason::Timeout, "guest still running after " +
                                                     std::to_string(config_.timeout_sec) +
                                                     " s (--timeout)");
            if (auto halted = TRY(check_halted())) return std::move(*halted);
            continue;
        }
        if (auto request = handle_exit(*run, vcpu_.run_size(), exits))
            return stop(request->reason, std::move(request->detail));
        if (!irq_error_.empty()) return make_error(ErrorKind::System, irq_error_);
        if (run->exit_reason != KVM_EXIT_IO) continue;
        if (hypercalls_.power_request() == PowerRequest::Reboot)
            return stop(StopReason::Reboot, "guest requested a reboot; stopping");
        if (auto out = device_stop()) return std::move(*out);
    }
}

} // namespace vmm
