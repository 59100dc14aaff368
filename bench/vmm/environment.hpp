// Facts about the host that a reader needs to interpret the figures (docs/design.md §5: know the
// test bed). Anything that cannot be found is reported as such, never guessed.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace bench {

struct Environment {
    std::string cpu_model;
    unsigned cpus = 0;
    std::string kernel;  // uname: release and version
    std::string kvm_api; // "12", or "unavailable"
    bool kvm_available = false;
    std::string kvm_error;       // why /dev/kvm is unusable
    std::string virt_extensions; // "vmx", "svm" or "none" (CPU flags seen by this host)
    std::vector<std::string> kvm_modules;
    std::string qemu_version; // first line of `qemu --version`, or "unavailable"
    bool qemu_available = false;
    std::string qemu_error;
    std::uint32_t tsc_khz = 0;
    std::string tsc_source; // "KVM_GET_TSC_KHZ", "/proc/cpuinfo" or "unknown"
    std::string compiler;
    std::string timestamp_utc;
};

Environment probe_environment(const std::string& qemu);

} // namespace bench
