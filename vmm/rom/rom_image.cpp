#include "rom/rom_image.hpp"

#include "support/file.hpp"

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <vmi/features.h>

namespace vmm {

Result<std::vector<std::uint8_t>> read_rom_file(const std::string& path) {
    static constexpr std::uint8_t kMagic[] = {VMI_ROM_SIGNATURE_0, VMI_ROM_SIGNATURE_1};
    const InputRules rules{"ROM",
                           VMI_ROM_SCAN_END - VMI_ROM_SCAN_START,
                           "the 128 KiB option-ROM window",
                           ErrorKind::BadRom,
                           kMagic,
                           "is not an option-ROM image (no 0x55 0xAA signature)"};
    auto bytes = TRY(read_input_file(path, rules));
    const std::string name = "ROM '" + path + "'";
    if (bytes.size() < 3) return make_error(ErrorKind::BadRom, name + " is truncated");
    const std::uint64_t declared = std::uint64_t{bytes[2]} * VMI_ROM_UNIT;
    if (declared == 0)
        return make_error(ErrorKind::BadRom, name + " declares a length of 0 (byte 2)");
    if (declared > bytes.size())
        return make_error(ErrorKind::BadRom, name + " declares " + std::to_string(declared) +
                                                 " bytes but the file has " +
                                                 std::to_string(bytes.size()));
    return bytes;
}

void wallclock_scale(std::uint64_t cycle_hz, std::uint32_t& mul, std::uint32_t& shift) {
    mul = 0;
    shift = 0;
    if (cycle_hz == 0) return;
    for (std::uint32_t s = 32; s > 0; --s) {
        const unsigned __int128 m =
            ((static_cast<unsigned __int128>(1000000000u) << s) + cycle_hz / 2) / cycle_hz;
        if (m < (1ull << 32)) {
            mul = static_cast<std::uint32_t>(m);
            shift = s;
            return;
        }
    }
}

bool rom_offers_deprivileged(std::span<const std::uint8_t> image) {
    if (image.size() < sizeof(vmi_rom_header)) return false;
    vmi_rom_header header;
    std::memcpy(&header, image.data(), sizeof header);
    return header.vmi_signature == VMI_SIGNATURE && (header.features & VMI_FEATURE_DEPRIVILEGED);
}

std::string install_rom(std::span<std::uint8_t> window, std::span<const std::uint8_t> image,
                        const RomFacts& facts) {
    std::fill(window.begin(), window.end(), 0);
    const std::size_t n = std::min(window.size(), image.size());
    std::copy_n(image.begin(), n, window.begin());

    if (n < sizeof(vmi_rom_header)) return "image smaller than the VMI header";
    vmi_rom_header header;
    std::memcpy(&header, window.data(), sizeof header);
    if (header.rom_signature[0] != VMI_ROM_SIGNATURE_0 ||
        header.rom_signature[1] != VMI_ROM_SIGNATURE_1 || header.vmi_signature != VMI_SIGNATURE)
        return "no VMI-64 header";
    const std::uint64_t rom_size = std::min<std::uint64_t>(header.rom_length * VMI_ROM_UNIT, n);
    // Past the header as the ROM declares it (the guest's rule too, docs/spec.md §8).
    const std::uint64_t header_end =
        std::max<std::uint64_t>(header.header_size, sizeof(vmi_rom_header));
    // data_size 0 declares no data area (docs/spec.md §3.1): a valid ROM with nothing to fill.
    if (header.data_size == 0) return {};
    if (header.data_size < sizeof(vmi_data_area) || header.data_offset % 8 != 0 ||
        header.data_offset < header_end || header.data_offset > rom_size ||
        sizeof(vmi_data_area) > rom_size - header.data_offset)
        return "no usable data area";

    vmi_data_area area{};
    area.magic = VMI_DATA_MAGIC;
    area.cycle_hz = facts.cycle_hz;
    area.boot_cycles = facts.boot_cycles;
    area.boot_wallclock_ns = facts.boot_wallclock_ns;
    area.memory_bytes = facts.memory_bytes;
    wallclock_scale(facts.cycle_hz, area.wallclock_mul, area.wallclock_shift);
    area.cpuid_count =
        static_cast<std::uint32_t>(std::min<std::size_t>(facts.cpuid.size(), VMI_DATA_CPUID_MAX));
    std::copy_n(facts.cpuid.begin(), area.cpuid_count, area.cpuid);

    // Keep the 8-bit sum as it was, so a corrupt image stays detectably corrupt.
    std::uint8_t* dst = window.data() + header.data_offset;
    std::uint8_t delta = 0;
    const auto* src = reinterpret_cast<const std::uint8_t*>(&area);
    for (std::size_t i = 0; i < sizeof area; ++i)
        delta = static_cast<std::uint8_t>(delta + src[i] - dst[i]);
    std::memcpy(dst, &area, sizeof area);
    window[offsetof(vmi_rom_header, checksum_adjust)] =
        static_cast<std::uint8_t>(window[offsetof(vmi_rom_header, checksum_adjust)] - delta);
    return {};
}

} // namespace vmm
