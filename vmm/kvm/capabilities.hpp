// The KVM capabilities the VMM relies on, checked once when /dev/kvm is opened so that a host
// lacking one fails at once with a clear error, not later inside an ioctl.
#pragma once

#include <functional>
#include <span>

namespace vmm {

struct KvmCapability {
    int cap;           // KVM_CAP_*
    const char* name;  // "KVM_CAP_IRQCHIP"
    const char* usage; // what the VMM needs it for
};

std::span<const KvmCapability> required_capabilities();

// The first required capability `check_extension` (KVM_CHECK_EXTENSION) reports as 0, or null.
const KvmCapability* missing_capability(const std::function<int(int)>& check_extension);

} // namespace vmm
