// What the guest's CPUID says: KVM's supported leaves adjusted for this VMM, and the static
// leaves the ROM may answer from its data area without an exit.
#pragma once

#include <cstdint>
#include <linux/kvm.h>
#include <vector>
#include <vmi/rom_header.h>

namespace vmm {

// Hypervisor leaves (Linux Documentation/virt/kvm/x86/cpuid.rst, and the VMware timing leaf
// that KVM and QEMU adopted): 0x40000010 gives the TSC and local APIC timer rates in kHz.
inline constexpr std::uint32_t kCpuidHypervisorBase = 0x40000000;
inline constexpr std::uint32_t kCpuidTiming = 0x40000010;
// KVM's local APIC timer counts at 1 GHz unless KVM_CAP_X86_APIC_BUS_CYCLES_NS changes it.
inline constexpr std::uint32_t kApicBusKhz = 1'000'000;

// The leaves set on the vCPU; tsc_khz 0 (unknown) leaves out the timing leaf.
std::vector<kvm_cpuid_entry2> guest_cpuid(std::vector<kvm_cpuid_entry2> entries,
                                          std::uint32_t tsc_khz);

// Leaves whose answers never change at run time, most used first: the ROM searches in order.
std::vector<vmi_cpuid_answer> rom_cpuid_answers(const std::vector<kvm_cpuid_entry2>& entries);

} // namespace vmm
