// libFuzzer target: any file given as --rom, installed into the 128 KiB option-ROM window
// (docs/spec.md §3.4). The VMM must never write outside the window (ASan: a heap buffer of
// exactly that size), must copy what it does not fill unchanged, and must keep the image's
// 8-bit sum as it was, so that a valid ROM stays valid and a corrupt one stays corrupt.
#include "fuzz_support.hpp"
#include "rom/rom_image.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <span>
#include <string>
#include <vector>
#include <vmi/rom_header.h>
#include <vmirt/rom_validate.hpp>

namespace {

using fuzz::byte_sum;
using fuzz::check;
using fuzz::load32;

constexpr std::size_t kWindow = VMI_ROM_SCAN_END - VMI_ROM_SCAN_START;

const vmm::RomFacts& facts() {
    static const vmm::RomFacts f = [] {
        vmm::RomFacts r;
        r.cycle_hz = 2'445'000'000;
        r.boot_cycles = 0x1234'5678'9abcull;
        r.boot_wallclock_ns = 1'700'000'000'000'000'000ull;
        r.memory_bytes = 128ull << 20;
        for (std::uint32_t i = 0; i < VMI_DATA_CPUID_MAX + 4; ++i) // more than the area holds
            r.cpuid.push_back({i, 0, 0x11111111u * (i & 15), ~i, i << 8, 0xfeedface});
        return r;
    }();
    return f;
}

bool overlaps(std::uint64_t a, std::uint64_t a_len, std::uint64_t b, std::uint64_t b_len) {
    return a < b + b_len && b < a + a_len;
}

void install(std::span<const std::uint8_t> image) {
    std::vector<std::uint8_t> window(kWindow, 0xee);
    const std::string reason = vmm::install_rom(window, image, facts());
    const std::size_t n = std::min(image.size(), kWindow);
    static const std::vector<std::uint8_t> zeros(kWindow, 0);
    check(std::memcmp(window.data() + n, zeros.data(), kWindow - n) == 0);
    // The part of the image the guest checksums: rom_length units, at most what was copied.
    const std::size_t sum_len =
        n >= 3 ? std::min<std::size_t>(image[2] * std::size_t{VMI_ROM_UNIT}, n) : 0;
    check(byte_sum(window.data(), sum_len) == byte_sum(image.data(), sum_len));

    // Left alone: with a reason, or silently for a VMI ROM that declares no data area.
    const bool declares_none = n >= sizeof(vmi_rom_header) &&
                               load32(image.data() + offsetof(vmi_rom_header, data_size)) == 0;
    if (!reason.empty() || declares_none) {
        check(n == 0 || std::memcmp(window.data(), image.data(), n) == 0);
        return;
    }
    // Filled: only the data area and checksum_adjust changed, and the area lies in the image.
    const std::uint32_t data = load32(image.data() + offsetof(vmi_rom_header, data_offset));
    check(data >= sizeof(vmi_rom_header) && data % 8 == 0 &&
          data + sizeof(vmi_data_area) <= sum_len);
    check(load32(window.data() + data) == VMI_DATA_MAGIC);
    const std::size_t adjust = offsetof(vmi_rom_header, checksum_adjust);
    const std::size_t area_end = data + sizeof(vmi_data_area);
    check(std::memcmp(window.data(), image.data(), adjust) == 0);
    check(std::memcmp(window.data() + adjust + 1, image.data() + adjust + 1, data - adjust - 1) ==
          0);
    check(std::memcmp(window.data() + area_end, image.data() + area_end, n - area_end) == 0);

    // A ROM the guest accepted before is accepted after, unless the ROM put its data area
    // over its own call table or strings (which the hypervisor then overwrites, as told).
    if (!vmi::validate_rom(image.data(), image.size()).ok()) return;
    const auto after = vmi::validate_rom(window.data(), window.size());
    const std::uint8_t* h = image.data();
    const std::uint64_t area = sizeof(vmi_data_area);
    const bool clobbers =
        overlaps(data, area, load32(h + offsetof(vmi_rom_header, call_table_offset)),
                 std::uint64_t{load32(h + offsetof(vmi_rom_header, call_count))} * 4) ||
        overlaps(data, area, load32(h + offsetof(vmi_rom_header, name_offset)), 32) ||
        overlaps(data, area, load32(h + offsetof(vmi_rom_header, license_offset)), 32);
    if (!clobbers)
        check(after.ok());
    else
        check(after.ok() || after.error() == vmi::RomCheck::EntryOutOfBounds ||
              after.error() == vmi::RomCheck::BadString);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    install(std::span(data, size));
    // The same image with a zero sum, so the "stays zero" case is common. Only worth the
    // time (installing clears 128 KiB) when the sum matters: a ROM signature, a non-zero sum.
    if (size <= offsetof(vmi_rom_header, checksum_adjust) || data[0] != VMI_ROM_SIGNATURE_0 ||
        data[1] != VMI_ROM_SIGNATURE_1)
        return 0;
    const std::size_t len = std::min<std::size_t>(size, data[2] * std::size_t{VMI_ROM_UNIT});
    if (byte_sum(data, len) != 0) {
        std::vector<std::uint8_t> fixed(data, data + size);
        fixed[offsetof(vmi_rom_header, checksum_adjust)] = 0;
        fixed[offsetof(vmi_rom_header, checksum_adjust)] =
            static_cast<std::uint8_t>(0u - byte_sum(fixed.data(), len));
        install(fixed);
    }
    return 0;
}
