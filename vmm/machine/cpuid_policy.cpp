#include "machine/cpuid_policy.hpp"

#include <algorithm>

namespace vmm {

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

} // namespace vmm
