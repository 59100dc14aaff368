// The ROM the VMM offers: read from a file, copied into the option-ROM window, its data area
// filled (docs/spec.md §3.4). The VMM checks only the option-ROM container (signature, declared
// length, the 128 KiB window), so a file that is no ROM at all never boots; the VMI header
// inside is the guest's to judge, and broken headers reach it unchanged to be tested.
#pragma once

#include "support/result.hpp"

#include <cstdint>
#include <span>
#include <string>
#include <vector>
#include <vmi/rom_header.h>

namespace vmm {

struct RomFacts {
    std::uint64_t cycle_hz = 0;
    std::uint64_t boot_cycles = 0;       // guest TSC when boot_wallclock_ns was read
    std::uint64_t boot_wallclock_ns = 0; // host CLOCK_REALTIME
    std::uint64_t memory_bytes = 0;
    std::vector<vmi_cpuid_answer> cpuid;
};

// Fails with ErrorKind::BadRom unless the file starts 0x55 0xAA and holds the length it
// declares in 512-byte units.
Result<std::vector<std::uint8_t>> read_rom_file(const std::string& path);

// Places `image` at the start of `window` (zero-filling the rest) and fills its data area if
// the header locates one. Returns why a declared area was left alone, or an empty string (also
// for a ROM that declares none).
std::string install_rom(std::span<std::uint8_t> window, std::span<const std::uint8_t> image,
                        const RomFacts& facts);

// Whether the image's header offers VMI_FEATURE_DEPRIVILEGED: the ROM then runs the kernel at
// CPL3, where the ROM's CPUID answers cost far less than a CPUID in its monitor.
bool rom_offers_deprivileged(std::span<const std::uint8_t> image);

// ns = cycles * mul >> shift with mul < 2^32, as the ROM computes it.
void wallclock_scale(std::uint64_t cycle_hz, std::uint32_t& mul, std::uint32_t& shift);

} // namespace vmm
