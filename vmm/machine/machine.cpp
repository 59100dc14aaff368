#include "machine/machine.hpp"

#include "kvm/host_cpu.hpp"
#include "loader/pvh_elf.hpp"
#include "loader/start_info.hpp"
#include "machine/cpu_state.hpp"
#include "rom/rom_image.hpp"

#include <algorithm>
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
// halted for good.
constexpr long kKickIntervalUs = 50'000;

std::atomic<kvm_run*> g_kick_run{nullptr};

void on_kick(int) {
    if (kvm_run* run = g_kick_run.load()) run->immediate_exit = 1;
}

class KickTimer {
  public:
    explicit KickTimer(kvm_run* run) {
        g_kick_run.store(run);
        struct sigaction sa {};
        sa.sa_handler = on_kick;
        sigemptyset(&sa.sa_mask);
        sigaction(SIGALRM, &sa, &old_); // no SA_RESTART: KVM_RUN must return EINTR
        itimerval t{};
        t.it_value.tv_usec = kKickIntervalUs;
        t.it_interval.tv_usec = kKickIntervalUs;
        setitimer(ITIMER_REAL, &t, nullptr);
    }
    ~KickTimer() {
        itimerval t{};
        setitimer(ITIMER_REAL, &t, nullptr);
        sigaction(SIGALRM, &old_, nullptr);
        g_kick_run.store(nullptr);
    }
    KickTimer(const KickTimer&) = delete;
    KickTimer& operator=(const KickTimer&) = delete;

  private:
    struct sigaction old_ {};
};

constexpr std::uint32_t kMsrTsc = 0x10;
constexpr std::uint32_t kMsrTscDeadline = 0x6e0;
constexpr std::uint64_t kRflagsIf = 1u << 9;

// Hypervisor leaves (Linux Documentation/virt/kvm/x86/cpuid.rst, and the VMware timing leaf
// that KVM and QEMU adopted): 0x40000010 gives the TSC and local APIC timer rates in kHz.
constexpr std::uint32_t kCpuidHypervisorBase = 0x40000000;
constexpr std::uint32_t kCpuidTiming = 0x40000010;
// KVM's local APIC timer counts at 1 GHz unless KVM_CAP_X86_APIC_BUS_CYCLES_NS changes it.
constexpr std::uint32_t kApicBusKhz = 1'000'000;

// Leaves whose answers never change at run time, most used first: the ROM searches in order.
// Leaf 1 (APIC ID, OSXSAVE), 0xB/0x1F (x2APIC ID) and 0xD (XCR0 sizes) are dynamic.
std::vector<vmi_cpuid_answer> rom_cpuid_answers(const std::vector<kvm_cpuid_entry2>& entries) {
    static constexpr std::uint32_t kStatic[] = {0x0,        0x80000001, 0x7,        0x80000000,
                                                0x40000000, 0x40000001, 0x80000007, 0x80000008,
                                                0x80000002, 0x80000003, 0x80000004, 0x6};
    std::vector<vmi_cpuid_answer> out;
    for (std::uint32_t leaf : kStatic)
        for (const auto& e : entries)
            if (e.function == leaf && e.index == 0) {
                out.push_back({e.function, 0, e.eax, e.ebx, e.ecx, e.edx});
                break;
            }
    return out;
}

// x2APIC (CPUID.1:ECX[21]) and TSC-deadline (CPUID.1:ECX[24]) stay as KVM reports them: the
// in-kernel local APIC implements both. The timing leaf lets a guest without a ROM know the TSC
// rate without calibrating it.
std::vector<kvm_cpuid_entry2> guest_cpuid(std::vector<kvm_cpuid_entry2> entries,
                                          std::uint32_t tsc_khz) {
    bool have_base = false;
    for (auto& e : entries) {
        if (e.function == 1) {
            e.ecx |= 1u << 31;    // hypervisor present
            e.ebx &= 0x00ffffffu; // initial APIC ID 0
        } else if (e.function == 7 && e.index == 0) {
            e.edx &= ~(1u << 29); // no IA32_ARCH_CAPABILITIES: we do not emulate the MSR
        } else if (e.function == kCpuidHypervisorBase && tsc_khz != 0) {
            e.eax = std::max(e.eax, kCpuidTiming);
            have_base = true;
        }
    }
    std::erase_if(entries, [](const kvm_cpuid_entry2& e) { return e.function == kCpuidTiming; });
    if (have_base) {
        kvm_cpuid_entry2 timing{};
        timing.function = kCpuidTiming;
        timing.eax = tsc_khz;
        timing.ebx = kApicBusKhz;
        entries.push_back(timing);
    }
    return entries;
}

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
    if (!machine->config_.rom.empty()) TRY(machine->install_rom(cpuid));
    return machine;
}

Result<void> Machine::install_rom(const std::vector<kvm_cpuid_entry2>& cpuid) {
    RomFacts facts;
    facts.cycle_hz = std::uint64_t{vcpu_.tsc_khz()} * 1000;
    facts.memory_bytes = memory_.size();
    const bool cache =
        config_.cpuid_cache == CpuidCache::On ||
        (config_.cpuid_cache == CpuidCache::Auto && host_virtualization_extension() != "none");
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
          memory_, config_.console) {
    io_bus_.add(uart16550::kCom1Base, uart16550::kPortCount, &uart_);
    io_bus_.add(DebugExit::kPort, DebugExit::kPortCount, &debug_exit_);
    // The hypercall ports exist only for a guest that was offered a ROM.
    if (!config_.rom.empty()) io_bus_.add(VMM_HC_PORT_BASE, VMM_HC_PORT_COUNT, &hypercalls_);
}

Result<RunOutcome> Machine::stop(StopReason reason, std::string detail) {
    RunOutcome out{reason, 0, std::move(detail)};
    out.regs = TRY(vcpu_.get_regs());
    out.sregs = TRY(vcpu_.get_sregs());
    return out;
}

void Machine::handle_io(kvm_run& run) {
    const auto& io = run.io;
    const bool is_write = io.direction == KVM_EXIT_IO_OUT;
    stats_.count_io(io.port, is_write);
    auto* data = reinterpret_cast<std::uint8_t*>(&run) + io.data_offset;
    for (std::uint32_t i = 0; i < io.count; ++i, data += io.size) {
        if (is_write) {
            std::uint32_t v = 0;
            std::memcpy(&v, data, io.size);
            io_bus_.write(io.port, io.size, v);
        } else {
            std::uint32_t v = 0;
            io_bus_.read(io.port, io.size, v);
            std::memcpy(data, &v, io.size);
        }
    }
}

void Machine::handle_mmio(kvm_run& run) {
    // No MMIO devices yet: reads see all ones, writes are dropped (unclaimed bus).
    auto& mmio = run.mmio;
    if (!mmio.is_write) std::memset(mmio.data, 0xff, sizeof mmio.data);
}

// Whether anything can still wake a halted vCPU. No device raises interrupts yet, so only the
// local APIC can: a pending request in the IRR, or an armed, unmasked timer (SDM vol. 3A, "APIC
// Timer" and "TSC-Deadline Mode"). A device that raises interrupts must be added here.
Result<bool> Machine::can_wake() const {
    const kvm_lapic_state lapic = TRY(vcpu_.get_lapic());
    auto reg = [&lapic](unsigned offset) {
        std::uint32_t v;
        std::memcpy(&v, lapic.regs + offset, sizeof v);
        return v;
    };
    for (unsigned irr = 0x200; irr < 0x280; irr += 0x10)
        if (reg(irr) != 0) return true;
    const std::uint32_t lvt_timer = reg(0x320);
    if (lvt_timer & (1u << 16)) return false; // masked
    if (((lvt_timer >> 17) & 3) == 2) return TRY(vcpu_.get_msr(kMsrTscDeadline)) != 0;
    return reg(0x380) != 0; // initial count: one-shot or periodic timer running
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
        detail = "guest halted waiting for an interrupt, but no device raises one";
    }
    if (!detail) return std::optional<RunOutcome>{};
    return std::optional{TRY(stop(StopReason::Halted, detail))};
}

Result<RunOutcome> Machine::run() {
    kvm_run* run = vcpu_.run_data();
    KickTimer kick(run);
    const auto start = std::chrono::steady_clock::now();
    for (;;) {
        const bool entered = TRY(vcpu_.run());
        if (!entered) {
            run->immediate_exit = 0;
            const auto elapsed = std::chrono::steady_clock::now() - start;
            if (config_.timeout_sec != 0 && elapsed >= std::chrono::seconds(config_.timeout_sec))
                return stop(StopReason::Timeout, "guest still running after " +
                                                     std::to_string(config_.timeout_sec) +
                                                     " s (--timeout)");
            if (auto halted = TRY(check_halted())) return std::move(*halted);
            continue;
        }
        stats_.count_exit(run->exit_reason);
        switch (run->exit_reason) {
        case KVM_EXIT_IO:
            // KVM fills these, but the data must lie inside the shared run area before we touch it.
            if ((run->io.size != 1 && run->io.size != 2 && run->io.size != 4) ||
                run->io.data_offset > vcpu_.run_size() ||
                std::uint64_t{run->io.count} * run->io.size >
                    vcpu_.run_size() - run->io.data_offset)
                return stop(StopReason::UnhandledExit, "malformed port I/O exit");
            handle_io(*run);
            if (auto status = debug_exit_.status()) {
                RunOutcome out{StopReason::DebugExit, *status, {}};
                return out;
            }
            if (auto power = hypercalls_.power_request()) {
                if (*power == PowerRequest::Reboot)
                    return stop(StopReason::Reboot, "guest requested a reboot; stopping");
                RunOutcome out{StopReason::DebugExit, hypercalls_.shutdown_status(), {}};
                return out;
            }
            break;
        case KVM_EXIT_MMIO:
            handle_mmio(*run);
            break;
        case KVM_EXIT_SHUTDOWN:
            return stop(StopReason::Shutdown, "guest shut down (triple fault)");
        case KVM_EXIT_FAIL_ENTRY: {
            char buf[96];
            std::snprintf(
                buf, sizeof buf, "VM entry failed (hardware reason 0x%llx)",
                static_cast<unsigned long long>(run->fail_entry.hardware_entry_failure_reason));
            return stop(StopReason::UnhandledExit, buf);
        }
        case KVM_EXIT_INTERNAL_ERROR:
            return stop(StopReason::UnhandledExit,
                        "KVM internal error, suberror " + std::to_string(run->internal.suberror) +
                            (run->internal.suberror == KVM_INTERNAL_ERROR_EMULATION
                                 ? " (instruction emulation failed)"
                                 : ""));
        case KVM_EXIT_SYSTEM_EVENT:
            return stop(StopReason::Shutdown,
                        "guest requested system event " + std::to_string(run->system_event.type));
        default:
            return stop(StopReason::UnhandledExit, std::string("unhandled vCPU exit ") +
                                                       exit_reason_name(run->exit_reason) + " (" +
                                                       std::to_string(run->exit_reason) + ")");
        }
    }
}

} // namespace vmm
