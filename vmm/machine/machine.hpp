// One VM with one vCPU booted from a PVH ELF kernel: owns KVM objects, memory and devices,
// and runs the vCPU until the guest stops.
#pragma once

#include "devices/debug_exit.hpp"
#include "devices/io_bus.hpp"
#include "devices/mmio_bus.hpp"
#include "devices/uart16550.hpp"
#include "devices/uart16550_regs.hpp"
#include "devices/virtio_blk.hpp"
#include "devices/virtio_mmio.hpp"
#include "hypercall/hypercall_device.hpp"
#include "kvm/kvm.hpp"
#include "machine/exit_stats.hpp"
#include "machine/stop_reason.hpp"
#include "memory/guest_memory.hpp"
#include "support/disk_file.hpp"
#include "support/result.hpp"

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace vmm {

// Whether the ROM answers static CPUID leaves from its data area instead of exiting.
enum class CpuidCache {
    Auto, // only with VT-x/SVM: guest kernel code then runs natively and the ROM's lookup beats
          // a CPUID exit; without them each ROM instruction is emulated and costs more than the
          // exit (docs/rom-vmm.md)
    On,
    Off,
};

struct MachineConfig {
    std::uint64_t mem_size = 128ull << 20;
    // Complete: with the virtio_mmio.device= argument of each disk (virtio_layout.hpp).
    std::string cmdline;
    unsigned timeout_sec = 0;      // 0 = none
    Uart16550::Sink console;       // receives every byte the guest sends to COM1
    std::vector<std::uint8_t> rom; // ROM image for the option-ROM window; empty: none
    CpuidCache cpuid_cache = CpuidCache::Auto;
    // Asked after every port I/O exit, the only way the guest writes to the console: a reason
    // to stop (output failed, a limit reached), or nothing.
    std::function<std::optional<StopRequest>()> console_check;
    // Disk i becomes virtio-blk device i (virtio_layout.hpp).
    std::vector<DiskFile> disks;
};

struct RunOutcome {
    StopReason reason;
    std::uint32_t status = 0; // guest status for DebugExit, signal number for Signal
    std::string detail;       // one line for anything but DebugExit
    kvm_regs regs{};
    kvm_sregs sregs{};
};

// Not copyable or movable: its devices hold references to its own memory and vCPU.
class Machine {
  public:
    Machine(const Machine&) = delete;
    Machine& operator=(const Machine&) = delete;
    Machine(Machine&&) = delete;
    Machine& operator=(Machine&&) = delete;

    // Loads the kernel image (already read into memory) and prepares the vCPU at its PVH entry.
    static Result<std::unique_ptr<Machine>>
    create(const Kvm& kvm, std::span<const std::uint8_t> kernel, MachineConfig config);

    Result<RunOutcome> run();
    // Why the ROM's data area was not filled, or empty.
    const std::string& rom_warning() const { return rom_warning_; }
    const ExitStats& stats() const { return stats_; }
    GuestMemory& memory() { return memory_; }
    Vcpu& vcpu() { return vcpu_; }
    IoBus& io_bus() { return io_bus_; }

  private:
    Machine(Vm vm, GuestMemory memory, Vcpu vcpu, MachineConfig config);
    Result<void> attach_devices();
    Result<void> install_rom(const std::vector<kvm_cpuid_entry2>& cpuid);
    Result<RunOutcome> stop(StopReason reason, std::string detail);
    Result<bool> can_wake() const;
    Result<std::optional<RunOutcome>> check_halted();
    // What ends the run after an exit the devices handled, or nothing.
    std::optional<RunOutcome> device_stop();

    Vm vm_;
    GuestMemory memory_;
    Vcpu vcpu_;
    MachineConfig config_;
    Uart16550 uart_;
    DebugExit debug_exit_;
    HypercallDevice hypercalls_;
    IoBus io_bus_;
    std::vector<std::unique_ptr<VirtioBlk>> disks_;
    std::vector<std::unique_ptr<VirtioMmio>> virtio_;
    MmioBus mmio_bus_;
    // The first failed KVM_IRQ_LINE: a device cannot report it from inside a register write.
    std::string irq_error_;
    std::string rom_warning_;
    ExitStats stats_;
    // Consecutive kicks that found the vCPU halted with nothing to wake it.
    unsigned idle_kicks_ = 0;
};

} // namespace vmm
