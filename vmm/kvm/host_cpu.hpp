// Facts about the host CPU that change what pays off for a guest.
#pragma once

#include <string>

namespace vmm {

// "vmx" or "svm" when the host CPU has hardware virtualization, "none" when KVM must emulate
// guest kernel mode in software (e.g. kvm_pvm), from /proc/cpuinfo's flags.
std::string host_virtualization_extension();

} // namespace vmm
