// Command-line options of `vmi run`, parsed without side effects so they can be unit-tested.
#pragma once

#include "machine/virtio_layout.hpp"
#include "support/result.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace vmm {

// `--disk FILE[,ro]`
struct DiskOption {
    std::string path;
    bool readonly = false;
};

// More --disk options are refused: there are places for this many devices.
inline constexpr unsigned kMaxDisks = virtio_layout::kMaxDevices;

struct RunOptions {
    std::optional<std::string> kernel; // default: kernel.elf beside the vmi binary
    std::optional<std::string> rom;    // default: vmm.rom beside the vmi binary
    bool no_rom = false;
    std::string cpuid_cache = "auto"; // auto, on, off
    std::uint64_t mem_size = 128ull << 20;
    std::string cmdline;
    bool stats = false;
    unsigned timeout_sec = 0;
    std::uint64_t console_limit = 0; // bytes; 0 = no limit
    bool no_seccomp = false;
    std::vector<DiskOption> disks; // in order: disk i is virtio-blk device i
    bool help = false;
};

// Parses "64M", "1G", "512KiB", "2097152" (bytes). Rejects overflow and junk.
Result<std::uint64_t> parse_size(std::string_view text);
Result<RunOptions> parse_run_options(const std::vector<std::string_view>& args);

extern const char* const kRunUsage;

} // namespace vmm
