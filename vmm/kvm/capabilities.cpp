#include "kvm/capabilities.hpp"

#include <linux/kvm.h>

namespace vmm {

namespace {

// TSC-deadline mode (KVM_CAP_TSC_DEADLINE_TIMER) is not here: the guest's CPUID offers it only
// when KVM does, and a guest without it uses the local APIC's count-down timer.
constexpr KvmCapability kRequired[] = {
    {KVM_CAP_USER_MEMORY, "KVM_CAP_USER_MEMORY", "guest RAM"},
    {KVM_CAP_READONLY_MEM, "KVM_CAP_READONLY_MEM", "the read-only option-ROM window"},
    // KVM_IRQ_LINE, the disks' interrupts, comes with the in-kernel irqchip.
    {KVM_CAP_IRQCHIP, "KVM_CAP_IRQCHIP",
     "the in-kernel local APIC, halt detection and the IOAPIC for device interrupts"},
    {KVM_CAP_IMMEDIATE_EXIT, "KVM_CAP_IMMEDIATE_EXIT", "--timeout and signal handling"},
    {KVM_CAP_GET_TSC_KHZ, "KVM_CAP_GET_TSC_KHZ", "the TSC rate given to the guest"},
    {KVM_CAP_EXT_CPUID, "KVM_CAP_EXT_CPUID", "the guest's CPUID"},
};

} // namespace

std::span<const KvmCapability> required_capabilities() {
    return kRequired;
}

const KvmCapability* missing_capability(const std::function<int(int)>& check_extension) {
    for (const auto& c : kRequired)
        if (check_extension(c.cap) <= 0) return &c;
    return nullptr;
}

} // namespace vmm
