#include "rom_builder.hpp"

#include <algorithm>
#include <cstddef>
#include <initializer_list>
#include <stdexcept>

namespace vmm::test {

static_assert(offsetof(vmi_rom_header, checksum_adjust) == kFieldChecksum);
static_assert(offsetof(vmi_rom_header, vmi_signature) == kFieldSignature);
static_assert(offsetof(vmi_rom_header, abi_major) == kFieldMajor);
static_assert(offsetof(vmi_rom_header, abi_minor) == kFieldMinor);
static_assert(offsetof(vmi_rom_header, header_size) == kFieldHeaderSize);
static_assert(offsetof(vmi_rom_header, call_table_offset) == kFieldCallTable);
static_assert(offsetof(vmi_rom_header, call_count) == kFieldCallCount);
static_assert(offsetof(vmi_rom_header, init_offset) == kFieldInit);
static_assert(offsetof(vmi_rom_header, reloc_offset) == kFieldReloc);
static_assert(offsetof(vmi_rom_header, data_offset) == kFieldDataOffset);
static_assert(offsetof(vmi_rom_header, data_size) == kFieldDataSize);
static_assert(offsetof(vmi_rom_header, name_offset) == kFieldName);
static_assert(offsetof(vmi_rom_header, license_offset) == kFieldLicense);

namespace {

std::uint32_t align_up(std::uint32_t value, std::uint32_t align) {
    return (value + align - 1) / align * align;
}

} // namespace

void put16(Bytes& bytes, std::size_t offset, std::uint16_t value) {
    bytes.at(offset) = static_cast<std::uint8_t>(value);
    bytes.at(offset + 1) = static_cast<std::uint8_t>(value >> 8);
}

void put32(Bytes& bytes, std::size_t offset, std::uint32_t value) {
    for (std::size_t i = 0; i < 4; ++i)
        bytes.at(offset + i) = static_cast<std::uint8_t>(value >> (8 * i));
}

std::uint32_t get32(const std::uint8_t* bytes, std::size_t offset) {
    std::uint32_t value = 0;
    for (std::size_t i = 0; i < 4; ++i)
        value |= std::uint32_t{bytes[offset + i]} << (8 * i);
    return value;
}

std::uint8_t byte_sum(const std::uint8_t* bytes, std::size_t len) {
    std::uint8_t sum = 0;
    for (std::size_t i = 0; i < len; ++i)
        sum = static_cast<std::uint8_t>(sum + bytes[i]);
    return sum;
}

void fix_checksum(Bytes& bytes) {
    const std::size_t len =
        std::min<std::size_t>(bytes.size(), bytes.at(2) * std::size_t{VMI_ROM_UNIT});
    bytes.at(kFieldChecksum) = 0;
    bytes[kFieldChecksum] = static_cast<std::uint8_t>(0u - byte_sum(bytes.data(), len));
}

std::uint32_t built_call_entry(const RomImage& rom, std::uint32_t call) {
    return call % 3 == 0 ? 0 : rom.code + call;
}

RomImage build_rom(const RomSpec& spec) {
    RomImage rom;
    const std::uint32_t header_end = std::max<std::uint32_t>(spec.header_size, VMI_ROM_HEADER_SIZE);
    rom.table = align_up(header_end, 4);
    rom.code = rom.table + spec.call_count * 4;
    rom.init = rom.code + spec.call_count;
    rom.reloc = rom.init + 3;
    std::uint32_t end = rom.reloc + 3;
    if (spec.data_area) {
        rom.data = align_up(end, 8);
        end = rom.data + VMI_DATA_AREA_SIZE;
    }
    rom.name = end;
    rom.license = rom.name + static_cast<std::uint32_t>(spec.name.size()) + 1;
    end = rom.license + static_cast<std::uint32_t>(spec.license.size()) + 1;

    const std::uint32_t units =
        spec.units != 0 ? spec.units : (end + VMI_ROM_UNIT - 1) / VMI_ROM_UNIT;
    if (units > 255 || end > units * VMI_ROM_UNIT)
        throw std::invalid_argument("build_rom: the parts do not fit the requested length");
    Bytes& b = rom.bytes;
    b.assign(units * VMI_ROM_UNIT, 0);

    b[0] = VMI_ROM_SIGNATURE_0;
    b[1] = VMI_ROM_SIGNATURE_1;
    b[2] = static_cast<std::uint8_t>(units);
    b[3] = 0xcb; // retf for BIOS POST
    b[4] = 0x90;
    b[5] = 0x90;
    put32(b, kFieldSignature, VMI_SIGNATURE);
    put16(b, kFieldMajor, spec.abi_major);
    put16(b, kFieldMinor, spec.abi_minor);
    put32(b, kFieldHeaderSize, spec.header_size);
    put32(b, 0x14, 16); // max_stack_bytes
    put32(b, kFieldCallTable, rom.table);
    put32(b, kFieldCallCount, spec.call_count);
    put32(b, kFieldInit, rom.init);
    put32(b, kFieldReloc, rom.reloc);
    put32(b, kFieldDataOffset, rom.data);
    put32(b, kFieldDataSize, spec.data_area ? VMI_DATA_AREA_SIZE : 0);
    put32(b, kFieldName, rom.name);
    put32(b, kFieldLicense, rom.license);
    put32(b, 0x40, 1u << 16); // rom_version 1.0

    for (std::uint32_t call = 0; call < spec.call_count; ++call) {
        put32(b, rom.table + call * 4, built_call_entry(rom, call));
        b[rom.code + call] = 0xc3; // ret
    }
    for (std::uint32_t entry : {rom.init, rom.reloc}) {
        b[entry] = 0x31; // xor eax, eax; ret
        b[entry + 1] = 0xc0;
        b[entry + 2] = 0xc3;
    }
    std::copy(spec.name.begin(), spec.name.end(), b.begin() + rom.name);
    std::copy(spec.license.begin(), spec.license.end(), b.begin() + rom.license);
    fix_checksum(b);
    return rom;
}

} // namespace vmm::test
