// What `vmi run --stats` and the reference kernel print, taken apart for the ROM benchmark.
// Each parser returns nothing when the text lacks what it looks for, so a changed format is
// reported as a failed measurement instead of read as zero.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace bench {

struct PortExits {
    std::uint16_t port = 0;
    bool out = false; // direction of the access
    std::uint64_t count = 0;
};

// The `--stats` table on vmi's stderr (vmm/machine/exit_stats.cpp).
struct ExitCounts {
    std::uint64_t total = 0;
    std::vector<PortExits> ports; // empty when the guest did no port I/O
};

std::optional<ExitCounts> parse_exit_stats(std::string_view text);

// The first line that starts with "vmi: ": the kernel's report of what it bound.
std::optional<std::string> find_vmi_line(std::string_view text);

// One benchmark's JSON line from the kernel (`run=bench:NAME`, guest/kernel/bench.cpp).
struct KernelBenchLine {
    std::uint64_t cycles = 0;
    std::uint64_t iterations = 0;
    std::uint64_t hz = 0; // the guest's cycle frequency; 0 when it does not know it
    std::string unit;
    std::string rom;
};

std::optional<KernelBenchLine> find_bench_line(std::string_view text, std::string_view name);

} // namespace bench
