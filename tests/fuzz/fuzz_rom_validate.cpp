// libFuzzer target: a hostile option-ROM window through the guest runtime's validator
// (docs/spec.md §8). Beyond "no crash and no read outside the window" (ASan: libFuzzer's
// buffer is exactly the input), checks that an accepted image keeps the validator's promises,
// which the kernel relies on when it reads the call table and jumps to the entries.
#include "fuzz_support.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>
#include <vmi/vmi.h>
#include <vmirt/rom_validate.hpp>

namespace {

using fuzz::byte_sum;
using fuzz::check;
using fuzz::load32;

// abort() makes libFuzzer save the input as a crash.
void validate(const std::uint8_t* image, std::size_t window) {
    const auto valid = vmi::validate_rom(image, window);
    // The checksum verdict agrees with a plain byte sum over rom_length units.
    if (!valid.ok()) {
        check(vmi::rom_check_reason(valid.error()) != nullptr);
        switch (valid.error()) {
        case vmi::RomCheck::NoOptionRom:
        case vmi::RomCheck::BadLength:
        case vmi::RomCheck::TooSmall:
        case vmi::RomCheck::NotVmi:
            break;
        case vmi::RomCheck::BadChecksum:
            check(byte_sum(image, image[2] * std::size_t{VMI_ROM_UNIT}) != 0);
            break;
        default:
            check(byte_sum(image, image[2] * std::size_t{VMI_ROM_UNIT}) == 0);
            break;
        }
        return;
    }
    check(byte_sum(image, image[2] * std::size_t{VMI_ROM_UNIT}) == 0);
    const vmi::RomInfo info = valid.value();
    check(info.size >= sizeof(vmi_rom_header) && info.size <= window);
    check(info.size % VMI_ROM_UNIT == 0 && info.size == image[2] * std::size_t{VMI_ROM_UNIT});
    check(info.abi_major == VMI_ABI_MAJOR);
    check(info.call_count <= std::uint32_t{VMI_CALL_COUNT});
    const auto* name = reinterpret_cast<const std::uint8_t*>(info.name);
    check(name > image && name < image + info.size); // offset 0 means "no name"
    check(std::memchr(name, 0, static_cast<std::size_t>(image + info.size - name)) != nullptr);

    // Every entry of the ROM's table, the ones the kernel consults and those it ignores.
    const std::uint32_t header_size = load32(image + offsetof(vmi_rom_header, header_size));
    const std::uint32_t table = load32(image + offsetof(vmi_rom_header, call_table_offset));
    const std::uint32_t count = load32(image + offsetof(vmi_rom_header, call_count));
    check(info.call_count <= count);
    check(table >= header_size && std::uint64_t{table} + std::uint64_t{count} * 4 <= info.size);
    for (std::uint32_t call = 0; call < count; ++call) {
        const std::uint32_t entry = vmi::rom_call_offset(image, call);
        check(entry == 0 || (entry >= header_size && entry < info.size));
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    validate(data, size);
    // The same window with checksum_adjust set so that the image sums to zero: random
    // mutations rarely keep the sum, and the checks behind it are the interesting ones.
    if (size > offsetof(vmi_rom_header, checksum_adjust)) {
        std::vector<std::uint8_t> fixed(data, data + size);
        const std::size_t len = std::min<std::size_t>(size, fixed[2] * std::size_t{VMI_ROM_UNIT});
        fixed[offsetof(vmi_rom_header, checksum_adjust)] = 0;
        fixed[offsetof(vmi_rom_header, checksum_adjust)] =
            static_cast<std::uint8_t>(0u - byte_sum(fixed.data(), len));
        validate(fixed.data(), fixed.size());
    }
    return 0;
}
