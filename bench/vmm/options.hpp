// Command line of `vmm-bench`, parsed without side effects.
#pragma once

#include "support/result.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace bench {

struct Options {
    unsigned reps = 20; // start-to-exit launches of each monitor
    // Port I/O: many short a/b pairs rather than a few long ones. A pair (~0.16 s at ~7.5 us
    // per emulated `out`, docs/testbed.md) then sees the same machine load on both sides; on the
    // shared test bed that gave a ~3x tighter interval than 30 pairs of 50000 in the same time.
    unsigned pio_reps = 100;
    std::uint64_t iters = 10000;
    // ROM console pairs: a --no-rom run pushes 64 KiB through the UART (~1.5 s here), and the
    // ROM's gain is two orders of magnitude, far above the noise.
    unsigned console_reps = 10;
    bool quick = false;
    bool run_boot = true;
    bool run_pio = true;
    bool run_rom = true;
    std::optional<std::string> json_path;
    std::optional<std::string> vmi;       // default: `vmi` beside vmm-bench
    std::optional<std::string> kernel;    // default: kernel.elf beside vmm-bench
    std::optional<std::string> guest_dir; // default: ../bench/guests from vmm-bench's folder
    std::string qemu = "qemu-system-x86_64";
    bool help = false;
};

// --quick lowers the defaults only; explicit --reps/--pio-reps/--iters/--console-reps still win.
inline constexpr unsigned kQuickReps = 3;
inline constexpr unsigned kQuickPioReps = 6; // the fewest that give a confidence interval
inline constexpr std::uint64_t kQuickIters = 2000;
inline constexpr unsigned kQuickConsoleReps = 3;

vmm::Result<Options> parse_options(const std::vector<std::string_view>& args);

extern const char* const kUsage;

} // namespace bench
