// RAII wrappers for /dev/kvm, a VM and a vCPU. Every failed ioctl becomes an Error naming the
// ioctl and errno.
#pragma once

#include "kvm/fd.hpp"
#include "memory/guest_memory.hpp"
#include "support/result.hpp"

#include <cstdint>
#include <linux/kvm.h>
#include <memory>
#include <span>
#include <vector>

namespace vmm {

// The ioctls a running machine issues (Machine::run and its stop report, and KVM_IRQ_LINE from
// its devices): the seccomp allow-list admits ioctl with these requests only.
std::span<const unsigned long> run_loop_ioctls();

class Kvm {
  public:
    static Result<Kvm> open(const char* path = "/dev/kvm");

    int fd() const { return fd_.get(); }
    // KVM_CHECK_EXTENSION; 0 when absent.
    int check_extension(int cap) const;
    Result<std::vector<kvm_cpuid_entry2>> supported_cpuid() const;
    int vcpu_mmap_size() const { return vcpu_mmap_size_; }

  private:
    Fd fd_;
    int vcpu_mmap_size_ = 0;
};

class Vcpu {
  public:
    Vcpu(Vcpu&&) noexcept;
    Vcpu& operator=(Vcpu&&) = delete;
    Vcpu(const Vcpu&) = delete;
    ~Vcpu();

    int fd() const { return fd_.get(); }
    kvm_run* run_data() const { return run_; }
    std::size_t run_size() const { return run_size_; }

    // KVM_RUN; returns false (not an error) when interrupted by a signal.
    Result<bool> run();
    Result<kvm_regs> get_regs() const;
    Result<void> set_regs(const kvm_regs& regs);
    Result<kvm_sregs> get_sregs() const;
    Result<void> set_sregs(const kvm_sregs& sregs);
    Result<void> set_cpuid(const std::vector<kvm_cpuid_entry2>& entries);
    // KVM_GET_MP_STATE (needs the in-kernel irqchip): KVM_MP_STATE_HALTED while in HLT.
    Result<std::uint32_t> get_mp_state() const;
    // KVM_GET_LAPIC: the in-kernel local APIC's register page.
    Result<kvm_lapic_state> get_lapic() const;
    // KVM_GET_TSC_KHZ; 0 when the host cannot tell.
    std::uint32_t tsc_khz() const;
    Result<std::uint64_t> get_msr(std::uint32_t index) const;

  private:
    friend class Vm;
    Vcpu(Fd fd, kvm_run* run, std::size_t run_size)
        : fd_(std::move(fd)), run_(run), run_size_(run_size) {}

    Fd fd_;
    kvm_run* run_ = nullptr;
    std::size_t run_size_ = 0;
};

class Vm {
  public:
    static Result<Vm> create(const Kvm& kvm);

    int fd() const { return fd_.get(); }
    Result<void> map_memory(const GuestMemory& memory);
    // KVM_CREATE_IRQCHIP: in-kernel PIC, IOAPIC and a local APIC per vCPU created afterwards.
    Result<void> create_irqchip();
    // KVM_IRQ_LINE: drives input `gsi` of the in-kernel irqchip (IOAPIC pin gsi) to `level`.
    Result<void> set_irq_line(unsigned gsi, bool level);
    Result<Vcpu> create_vcpu(const Kvm& kvm, unsigned id);

  private:
    explicit Vm(Fd fd) : fd_(std::move(fd)) {}
    Fd fd_;
    unsigned next_slot_ = 0;
};

} // namespace vmm
