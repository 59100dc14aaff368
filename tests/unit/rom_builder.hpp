// Builds VMI-64 ROM images in memory for validator and installer tests and fuzz seeds
// (docs/spec.md §3): header, call table, code for every entry, data area, name and license,
// padded to 512-byte units with the checksum fixed last. Tests start from a valid image and
// break one field in the serialized bytes, then fix the checksum again (or not).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>
#include <vmi/rom_header.h>

namespace vmm::test {

using Bytes = std::vector<std::uint8_t>;

struct RomSpec {
    std::uint8_t units = 0; // rom_length; 0 = the fewest 512-byte units that hold everything
    std::uint16_t abi_major = VMI_ABI_MAJOR;
    std::uint16_t abi_minor = VMI_ABI_MINOR;
    std::uint32_t header_size = VMI_ROM_HEADER_SIZE; // a newer ROM's header is larger
    std::uint32_t call_count = 50;                   // table entries; every third one is 0
    bool data_area = true;
    std::string name = "test-rom";
    std::string license = "MIT";
};

// A serialized image and where the builder put each part (offsets from the image start).
struct RomImage {
    Bytes bytes;
    std::uint32_t table = 0;
    std::uint32_t code = 0; // one `ret` per call, then init, then reloc
    std::uint32_t init = 0;
    std::uint32_t reloc = 0;
    std::uint32_t data = 0;
    std::uint32_t name = 0;
    std::uint32_t license = 0;
};

// The entry the builder writes for `call`: every third call (0, 3, 6, ...) is absent.
std::uint32_t built_call_entry(const RomImage& rom, std::uint32_t call);

RomImage build_rom(const RomSpec& spec = {});

// Little-endian field access on serialized bytes.
void put16(Bytes& bytes, std::size_t offset, std::uint16_t value);
void put32(Bytes& bytes, std::size_t offset, std::uint32_t value);
std::uint32_t get32(const std::uint8_t* bytes, std::size_t offset);

// 8-bit sum of `len` bytes.
std::uint8_t byte_sum(const std::uint8_t* bytes, std::size_t len);
// Sets checksum_adjust so that the rom_length * 512 bytes (at most the whole buffer) sum to 0.
void fix_checksum(Bytes& bytes);

inline constexpr std::size_t kFieldChecksum = 0x06;
inline constexpr std::size_t kFieldSignature = 0x08;
inline constexpr std::size_t kFieldMajor = 0x0C;
inline constexpr std::size_t kFieldMinor = 0x0E;
inline constexpr std::size_t kFieldHeaderSize = 0x10;
inline constexpr std::size_t kFieldCallTable = 0x20;
inline constexpr std::size_t kFieldCallCount = 0x24;
inline constexpr std::size_t kFieldInit = 0x28;
inline constexpr std::size_t kFieldReloc = 0x2C;
inline constexpr std::size_t kFieldDataOffset = 0x30;
inline constexpr std::size_t kFieldDataSize = 0x34;
inline constexpr std::size_t kFieldName = 0x38;
inline constexpr std::size_t kFieldLicense = 0x3C;

} // namespace vmm::test
