#include <vmi/vmi.h>
#include <vmirt/rom_validate.hpp>

namespace vmi {

namespace {

// Byte-wise little-endian loads: the image may sit at any alignment and the host build must
// not rely on unaligned access being defined.
uint32_t load32(const uint8_t* p) {
    return uint32_t{p[0]} | uint32_t{p[1]} << 8 | uint32_t{p[2]} << 16 | uint32_t{p[3]} << 24;
}
uint16_t load16(const uint8_t* p) {
    return static_cast<uint16_t>(p[0] | p[1] << 8);
}

bool range_ok(uint32_t offset, uint64_t len, uint32_t size) {
    return offset <= size && len <= size - offset;
}

// Entries must point past the header, inside the image.
bool entry_ok(uint32_t offset, uint32_t header_size, uint32_t size) {
    return offset >= header_size && offset < size;
}

bool string_ok(const uint8_t* image, uint32_t offset, uint32_t size) {
    if (offset == 0 || offset >= size) return false;
    for (uint32_t i = 0; i < 32 && offset + i < size; ++i)
        if (image[offset + i] == 0) return true;
    return false;
}

// 8-bit sum of the image, eight bytes per step: in the guest every kernel-mode instruction may
// be emulated, and a byte loop over a 1.5 KiB ROM is then ~5 ms of boot. Each 64-bit word is
// split into two sets of four 16-bit lanes; each word adds at most 2 * 255 to a lane, so
// folding every 64 words keeps every lane below 0x10000.
uint8_t byte_sum(const uint8_t* image, uint32_t size) {
    constexpr uint64_t kLanes = 0x00ff00ff00ff00ffull;
    uint64_t lanes = 0;
    uint32_t i = 0;
    for (uint32_t words = 0; i + 8 <= size; i += 8) {
        uint64_t w;
        __builtin_memcpy(&w, image + i, sizeof w); // one unaligned load; x86 is little-endian
        lanes += (w & kLanes) + ((w >> 8) & kLanes);
        if (++words == 64) {
            lanes = (lanes & 0xff) + ((lanes >> 16) & 0xff) + ((lanes >> 32) & 0xff) +
                    ((lanes >> 48) & 0xff);
            words = 0;
        }
    }
    uint32_t sum = static_cast<uint32_t>((lanes & 0xffff) + ((lanes >> 16) & 0xffff) +
                                         ((lanes >> 32) & 0xffff) + ((lanes >> 48) & 0xffff));
    for (; i < size; ++i)
        sum += image[i];
    return static_cast<uint8_t>(sum);
}

#define VMI_FIELD(name) offsetof(struct vmi_rom_header, name)

} // namespace

const char* rom_check_reason(RomCheck check) {
    switch (check) {
    case RomCheck::NoOptionRom:
        return "no option ROM";
    case RomCheck::BadLength:
        return "bad ROM length";
    case RomCheck::NotVmi:
        return "bad signature";
    case RomCheck::TooSmall:
        return "image smaller than the VMI header";
    case RomCheck::BadChecksum:
        return "checksum mismatch";
    case RomCheck::MajorMismatch:
        return "unsupported ABI major version";
    case RomCheck::BadHeaderSize:
        return "bad header size";
    case RomCheck::CallTableBounds:
        return "call table out of bounds";
    case RomCheck::EntryOutOfBounds:
        return "entry offset outside the image";
    case RomCheck::DataAreaBounds:
        return "data area out of bounds";
    case RomCheck::BadString:
        return "bad name or license string";
    }
    return "unknown";
}

Result<RomInfo, RomCheck> validate_rom(const uint8_t* image, size_t window) {
    if (window < 3 || image[0] != VMI_ROM_SIGNATURE_0 || image[1] != VMI_ROM_SIGNATURE_1)
        return RomCheck::NoOptionRom;
    // The signature first (read from the window, whatever the length byte says): a firmware's
    // own option ROM is skipped as such, and a VMI ROM with a bad length is reported as one.
    if (window < VMI_FIELD(vmi_signature) + 4 ||
        load32(image + VMI_FIELD(vmi_signature)) != VMI_SIGNATURE)
        return RomCheck::NotVmi;
    const uint32_t size = uint32_t{image[2]} * VMI_ROM_UNIT;
    if (size == 0 || size > window) return RomCheck::BadLength;
    if (size < sizeof(vmi_rom_header)) return RomCheck::TooSmall;

    if (byte_sum(image, size) != 0) return RomCheck::BadChecksum;

    const uint16_t major = load16(image + VMI_FIELD(abi_major));
    if (major != VMI_ABI_MAJOR) return RomCheck::MajorMismatch;
    const uint32_t header_size = load32(image + VMI_FIELD(header_size));
    if (header_size < sizeof(vmi_rom_header) || header_size > size) return RomCheck::BadHeaderSize;

    const uint32_t table = load32(image + VMI_FIELD(call_table_offset));
    const uint32_t count = load32(image + VMI_FIELD(call_count));
    if (table % 4 != 0 || table < header_size || count > 4096 ||
        !range_ok(table, uint64_t{count} * 4, size))
        return RomCheck::CallTableBounds;

    if (!entry_ok(load32(image + VMI_FIELD(init_offset)), header_size, size) ||
        !entry_ok(load32(image + VMI_FIELD(reloc_offset)), header_size, size))
        return RomCheck::EntryOutOfBounds;
    for (uint32_t i = 0; i < count; ++i) {
        const uint32_t entry = load32(image + table + i * 4);
        if (entry != 0 && !entry_ok(entry, header_size, size)) return RomCheck::EntryOutOfBounds;
    }

    // 1.2: a second table, of offsets into the ROM's state, for VMI_RELOC_CALL_STATE. Its
    // entries are checked against the state the kernel gives, at binding.
    const uint16_t minor = load16(image + VMI_FIELD(abi_minor));
    const uint32_t state_table = minor >= 2 ? load32(image + VMI_FIELD(state_table_offset)) : 0;
    if (state_table != 0 && (state_table % 4 != 0 || state_table < header_size ||
                             !range_ok(state_table, uint64_t{count} * 4, size)))
        return RomCheck::CallTableBounds;
    const uint32_t reloc_args = minor >= 2 ? load32(image + VMI_FIELD(reloc_args_offset)) : 0;
    if (reloc_args != 0 && !entry_ok(reloc_args, header_size, size))
        return RomCheck::EntryOutOfBounds;

    const uint32_t data = load32(image + VMI_FIELD(data_offset));
    const uint32_t data_size = load32(image + VMI_FIELD(data_size));
    if (data_size != 0 && (data_size < sizeof(vmi_data_area) || data % 8 != 0 ||
                           data < header_size || !range_ok(data, data_size, size)))
        return RomCheck::DataAreaBounds;

    const uint32_t name = load32(image + VMI_FIELD(name_offset));
    if (!string_ok(image, name, size) ||
        !string_ok(image, load32(image + VMI_FIELD(license_offset)), size))
        return RomCheck::BadString;

    RomInfo info{};
    info.size = size;
    info.abi_major = major;
    info.abi_minor = minor;
    info.state_table = state_table;
    info.reloc = reloc_args != 0 ? reloc_args : load32(image + VMI_FIELD(reloc_offset));
    info.reloc_takes_args = reloc_args != 0;
    info.call_count = count < uint32_t{VMI_CALL_COUNT} ? count : uint32_t{VMI_CALL_COUNT};
    info.rom_version = load32(image + VMI_FIELD(rom_version));
    info.name = reinterpret_cast<const char*>(image + name);
    info.init = load32(image + VMI_FIELD(init_offset));
    info.features = load32(image + VMI_FIELD(features)) |
                    uint64_t{load32(image + VMI_FIELD(features) + 4)} << 32;
    return info;
}

uint32_t rom_call_offset(const uint8_t* image, uint32_t call) {
    return load32(image + load32(image + VMI_FIELD(call_table_offset)) + call * 4);
}

uint32_t rom_state_call_offset(const uint8_t* image, const RomInfo& info, uint32_t call) {
    return info.state_table != 0 ? load32(image + info.state_table + call * 4) : 0;
}

} // namespace vmi
