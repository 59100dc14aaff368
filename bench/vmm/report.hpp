// The results as a table for people and as JSON for tools (docs/design.md §5).
#pragma once

#include "boot_bench.hpp"
#include "environment.hpp"
#include "options.hpp"
#include "pio_bench.hpp"
#include "rom_bench.hpp"

#include <cstdio>
#include <optional>
#include <string>

namespace bench {

// Targets from the issue that asked for this benchmark.
inline constexpr double kBootTargetRatio = 5.0;         // vmi at least 5x faster than QEMU
inline constexpr double kPioTargetOverhead = 0.05;      // dispatch adds at most 5%
inline constexpr double kRomConsoleTargetRatio = 100.0; // console throughput with the ROM

struct Report {
    Environment env;
    Options options;
    std::string boot_guest;
    std::string pio_guest;
    std::string rom_kernel;         // the VMI kernel of the ROM part
    std::string rom_image;          // the vmm.rom `vmi run` maps by default
    std::optional<BootResult> boot; // empty: not requested
    std::optional<PioResult> pio;
    std::optional<RomResult> rom;
};

void print_table(std::FILE* out, const Report& report);
std::string to_json(const Report& report);

} // namespace bench
