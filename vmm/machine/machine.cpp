#include "machine/machine.hpp"

#include "loader/pvh_elf.hpp"
#include "loader/start_info.hpp"
#include "kvm/host_cpu.hpp"
#include "machine/cpu_state.hpp"
#include "rom/rom_image.hpp"

#include <hypercall_ports.h>

#include <signal.h>
#include <sys/time.h>
#include <time.h>

#include <atomic>
#include <cstdio>
#include <cstring>

namespace vmm {

namespace {

// The timeout is a SIGALRM whose handler sets kvm_run.immediate_exit, so a KVM_RUN that
// starts after the signal returns at once instead of missing it (KVM API, KVM_RUN).
std::atomic<kvm_run*> g_alarm_run{nullptr};
volatile sig_atomic_t g_alarm_fired = 0;

void on_alarm(int) {
    g_alarm_fired = 1;
    if (kvm_run* run = g_alarm_run.load()) run->immediate_exit = 1;
}

class AlarmGuard {
  public:
    AlarmGuard(kvm_run* run, unsigned seconds) : armed_(seconds != 0) {
        if (!armed_) return;
        g_alarm_fired = 0;
        g_alarm_run.store(run);
        struct sigaction sa {};
        sa.sa_handler = on_alarm;
        sigemptyset(&sa.sa_mask);
        sigaction(SIGALRM, &sa, &old_); // no SA_RESTART: KVM_RUN must return EINTR
        itimerval t{};
        t.it_value.tv_sec = seconds;
        setitimer(ITIMER_REAL, &t, nullptr);
    }
    ~AlarmGuard() {
        if (!armed_) return;
        itimerval t{};
        setitimer(ITIMER_REAL, &t, nullptr);
        sigaction(SIGALRM, &old_, nullptr);
        g_alarm_run.store(nullptr);
    }
    AlarmGuard(const AlarmGuard&) = delete;
    AlarmGuard& operator=(const AlarmGuard&) = delete;

  private:
    bool armed_;
    struct sigaction old_ {};
};

constexpr std::uint32_t kMsrTsc = 0x10;

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

std::vector<kvm_cpuid_entry2> guest_cpuid(std::vector<kvm_cpuid_entry2> entries) {
    for (auto& e : entries) {
        if (e.function == 1) {
            e.ecx |= 1u << 31;        // hypervisor present
            e.ebx &= 0x00ffffffu;     // initial APIC ID 0
        } else if (e.function == 7 && e.index == 0) {
            e.edx &= ~(1u << 29);     // no IA32_ARCH_CAPABILITIES: we do not emulate the MSR
        }
    }
    return entries;
}

} // namespace

Result<std::unique_ptr<Machine>> Machine::create(const Kvm& kvm, std::span<const std::uint8_t> kernel,
                                                 MachineConfig config) {
    const PvhImage image = TRY(parse_pvh_elf(kernel));
    GuestMemory memory = TRY(GuestMemory::create(config.mem_size));
    TRY(load_pvh_segments(image, kernel, memory));
    const GuestPhysAddr start_info = TRY(write_start_info(memory, config.cmdline));

    Vm vm = TRY(Vm::create(kvm));
    TRY(vm.map_memory(memory));
    Vcpu vcpu = TRY(vm.create_vcpu(kvm, 0));
    const auto cpuid = guest_cpuid(TRY(kvm.supported_cpuid()));
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
    const bool cache = config_.cpuid_cache == CpuidCache::On ||
                       (config_.cpuid_cache == CpuidCache::Auto &&
                        host_virtualization_extension() != "none");
    if (cache) facts.cpuid = rom_cpuid_answers(cpuid);
    // Pair a guest TSC reading with the host's wall clock; the gap between them is one ioctl.
    facts.boot_cycles = TRY(vcpu_.get_msr(kMsrTsc));
    timespec now{};
    clock_gettime(CLOCK_REALTIME, &now);
    facts.boot_wallclock_ns =
        static_cast<std::uint64_t>(now.tv_sec) * 1000000000ull + static_cast<std::uint64_t>(now.tv_nsec);
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
                                  PagingState{sregs.cr0, sregs.cr3, sregs.cr4, sregs.efer}};
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

Result<RunOutcome> Machine::run() {
    kvm_run* run = vcpu_.run_data();
    AlarmGuard alarm(run, config_.timeout_sec);
    for (;;) {
        const bool entered = TRY(vcpu_.run());
        if (!entered) {
            if (g_alarm_fired)
                return stop(StopReason::Timeout,
                            "guest still running after " + std::to_string(config_.timeout_sec) +
                                " s (--timeout)");
            continue; // some other signal
        }
        stats_.count_exit(run->exit_reason);
        switch (run->exit_reason) {
        case KVM_EXIT_IO:
            // KVM fills these, but the data must lie inside the shared run area before we touch it.
            if ((run->io.size != 1 && run->io.size != 2 && run->io.size != 4) ||
                run->io.data_offset > vcpu_.run_size() ||
                std::uint64_t{run->io.count} * run->io.size > vcpu_.run_size() - run->io.data_offset)
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
        case KVM_EXIT_MMIO: handle_mmio(*run); break;
        case KVM_EXIT_HLT: {
            const auto regs = TRY(vcpu_.get_regs());
            return stop(StopReason::Halted,
                        (regs.rflags & (1u << 9))
                            ? "guest halted waiting for an interrupt, but no device raises one"
                            : "guest halted with interrupts disabled");
        }
        case KVM_EXIT_SHUTDOWN: return stop(StopReason::Shutdown, "guest shut down (triple fault)");
        case KVM_EXIT_FAIL_ENTRY: {
            char buf[96];
            std::snprintf(buf, sizeof buf, "VM entry failed (hardware reason 0x%llx)",
                          static_cast<unsigned long long>(
                              run->fail_entry.hardware_entry_failure_reason));
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
            return stop(StopReason::UnhandledExit,
                        std::string("unhandled vCPU exit ") + exit_reason_name(run->exit_reason) +
                            " (" + std::to_string(run->exit_reason) + ")");
        }
    }
}

} // namespace vmm
