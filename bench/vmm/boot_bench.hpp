// Start-to-exit: wall time from launching a monitor on a guest that exits at once until the
// monitor process is gone, for `vmi run` and for QEMU microvm with KVM, interleaved.
#pragma once

#include "progress.hpp"
#include "summary.hpp"

#include <optional>
#include <string>
#include <vector>

namespace bench {

struct BootConfig {
    std::string vmi;    // path of the `vmi` binary
    std::string qemu;   // qemu-system-x86_64 (PATH lookup)
    std::string kernel; // the guest ELF both monitors boot
    unsigned reps = 0;
};

struct BootSide {
    std::string name;
    std::vector<std::string> argv;
    int expected_status = 0;
    std::optional<Summary> wall_ms; // empty: not measured, see error
    std::string error;
    bool unavailable = false; // the monitor or /dev/kvm is missing (not a failure)
};

struct BootResult {
    BootSide vmi;
    BootSide qemu;
    // QEMU median / vmi median; empty unless both sides were measured.
    std::optional<double> ratio_median;
    std::optional<double> ratio_min;
};

BootResult run_boot_bench(const BootConfig& config, bool kvm_available, Progress& progress);

} // namespace bench
