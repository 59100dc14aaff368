// The guest runtime's ROM validator (docs/spec.md §3, §8) on valid, malformed and hostile
// images. Images are exactly as large as the window the validator is given, so that ASan
// reports any read past it.
#include "rom_builder.hpp"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <functional>
#include <gtest/gtest.h>
#include <iterator>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>
#include <vmi/vmi.h>
#include <vmirt/rom_validate.hpp>

namespace vmi {
namespace {

using vmm::test::build_rom;
using vmm::test::built_call_entry;
using vmm::test::Bytes;
using vmm::test::fix_checksum;
using vmm::test::put16;
using vmm::test::put32;
using vmm::test::RomImage;
using vmm::test::RomSpec;
namespace f = vmm::test;

// Why the validator refused the bytes, or nullopt when it accepted them.
std::optional<RomCheck> check(const Bytes& bytes, std::size_t window) {
    const auto valid = validate_rom(bytes.data(), window);
    if (valid.ok()) return std::nullopt;
    return valid.error();
}
std::optional<RomCheck> check(const Bytes& bytes) {
    return check(bytes, bytes.size());
}

// Sets a 32-bit header field and fixes the checksum, so only that field is wrong.
Bytes with32(const Bytes& bytes, std::size_t offset, std::uint32_t value) {
    Bytes out = bytes;
    put32(out, offset, value);
    fix_checksum(out);
    return out;
}

std::uint32_t size_of(const RomImage& rom) {
    return static_cast<std::uint32_t>(rom.bytes.size());
}

std::string to_string(RomCheck c) {
    return rom_check_reason(c);
}

// --- valid images ------------------------------------------------------------------------

TEST(RomValidate, AcceptsAValidImageAndDescribesIt) {
    const RomImage rom = build_rom();
    const auto valid = validate_rom(rom.bytes.data(), rom.bytes.size());
    ASSERT_TRUE(valid.ok());
    const RomInfo info = valid.value();
    EXPECT_EQ(info.size, rom.bytes.size());
    EXPECT_EQ(info.size % VMI_ROM_UNIT, 0u);
    EXPECT_EQ(info.abi_major, VMI_ABI_MAJOR);
    EXPECT_EQ(info.abi_minor, VMI_ABI_MINOR);
    EXPECT_EQ(info.call_count, 50u);
    // The name is the image's own bytes, not a copy.
    EXPECT_EQ(reinterpret_cast<const std::uint8_t*>(info.name), rom.bytes.data() + rom.name);
    EXPECT_STREQ(info.name, "test-rom");
}

TEST(RomValidate, AcceptsAnImageInsideALargerWindow) {
    // The kernel hands the validator the rest of the scan window, not the image size.
    RomImage rom = build_rom();
    const std::size_t image_size = rom.bytes.size();
    rom.bytes.resize(VMI_ROM_SCAN_END - VMI_ROM_SCAN_START, 0x5a); // junk after the image
    const auto valid = validate_rom(rom.bytes.data(), rom.bytes.size());
    ASSERT_TRUE(valid.ok());
    const RomInfo info = valid.value();
    EXPECT_EQ(info.size, image_size) << "the size comes from rom_length, not the window";
}

TEST(RomValidate, CallCountIsTheSmallerOfTheRomsAndTheKernels) {
    for (std::uint32_t count :
         {0u, 1u, 40u, std::uint32_t{VMI_CALL_COUNT} - 1, std::uint32_t{VMI_CALL_COUNT},
          std::uint32_t{VMI_CALL_COUNT} + 1, std::uint32_t{VMI_CALL_COUNT} + 30, 4096u}) {
        RomSpec spec;
        spec.call_count = count;
        const RomImage rom = build_rom(spec);
        const auto valid = validate_rom(rom.bytes.data(), rom.bytes.size());
        ASSERT_TRUE(valid.ok()) << "count " << count;
        const RomInfo info = valid.value();
        EXPECT_EQ(info.call_count, std::min(count, std::uint32_t{VMI_CALL_COUNT}))
            << "count " << count;
    }
}

TEST(RomValidate, AcceptsANewerMinorWithALargerHeader) {
    RomSpec spec;
    spec.abi_minor = 7;
    spec.header_size = VMI_ROM_HEADER_SIZE + 0x30;
    const RomImage rom = build_rom(spec);
    const auto valid = validate_rom(rom.bytes.data(), rom.bytes.size());
    ASSERT_TRUE(valid.ok());
    const RomInfo info = valid.value();
    EXPECT_EQ(info.abi_minor, 7u);
}

TEST(RomValidate, AcceptsTheSmallestImage) {
    // One 512-byte unit: the header, a few calls and the strings, no data area. A non-zero
    // rom_length always covers the 0x50-byte header, so TooSmall cannot arise from a window
    // the validator accepts (it is still a named reason, below).
    RomSpec spec;
    spec.units = 1;
    spec.call_count = 4;
    spec.data_area = false;
    const RomImage rom = build_rom(spec);
    ASSERT_EQ(rom.bytes.size(), VMI_ROM_UNIT);
    const auto valid = validate_rom(rom.bytes.data(), rom.bytes.size());
    ASSERT_TRUE(valid.ok());
    const RomInfo info = valid.value();
    EXPECT_EQ(info.size, VMI_ROM_UNIT);
}

TEST(RomValidate, AcceptsTheLargestImage) {
    RomSpec spec;
    spec.units = 255;
    const RomImage rom = build_rom(spec);
    const auto valid = validate_rom(rom.bytes.data(), rom.bytes.size());
    ASSERT_TRUE(valid.ok());
    const RomInfo info = valid.value();
    EXPECT_EQ(info.size, VMI_ROM_MAX_SIZE);
}

TEST(RomValidate, AcceptsFieldsOnTheirInclusiveBounds) {
    RomSpec spec;
    spec.units = 8; // zeros at the end to move things to
    const RomImage rom = build_rom(spec);
    const std::uint32_t size = size_of(rom);
    // Entries may start right at the header's end and at the last byte.
    EXPECT_EQ(check(with32(rom.bytes, f::kFieldInit, VMI_ROM_HEADER_SIZE)), std::nullopt);
    EXPECT_EQ(check(with32(rom.bytes, f::kFieldReloc, size - 1)), std::nullopt);
    // A call table that ends exactly at the image end (its entries are the trailing zeros).
    Bytes table_at_end = rom.bytes;
    put32(table_at_end, f::kFieldCallTable, size - 50 * 4);
    fix_checksum(table_at_end);
    EXPECT_EQ(check(table_at_end), std::nullopt);
    // A data area that ends exactly at the image end.
    EXPECT_EQ(check(with32(rom.bytes, f::kFieldDataOffset, size - VMI_DATA_AREA_SIZE)),
              std::nullopt);
    // header_size may be as large as the image (checked again by the table check below).
    Bytes big_header = rom.bytes;
    put32(big_header, f::kFieldHeaderSize, size);
    fix_checksum(big_header);
    EXPECT_EQ(check(big_header), RomCheck::CallTableBounds) << "header_size == size passes";
    // No data area: its offset is then irrelevant.
    Bytes no_data = with32(rom.bytes, f::kFieldDataSize, 0);
    EXPECT_EQ(check(with32(no_data, f::kFieldDataOffset, 0xfffffff3)), std::nullopt);
}

// --- option-ROM framing -------------------------------------------------------------------

TEST(RomValidate, NoOptionRomWithoutTheSignature) {
    const RomImage rom = build_rom();
    const std::uint8_t signatures[][2] = {{0x00, 0x00}, {0x55, 0xab}, {0xaa, 0x55}, {0x54, 0xaa}};
    for (const auto& sig : signatures) {
        Bytes b = rom.bytes;
        b[0] = sig[0];
        b[1] = sig[1];
        fix_checksum(b);
        EXPECT_EQ(check(b), RomCheck::NoOptionRom) << int{sig[0]} << " " << int{sig[1]};
    }
    // Windows too short to hold the length byte.
    for (std::size_t window : {0u, 1u, 2u}) {
        const Bytes tiny(rom.bytes.begin(), rom.bytes.begin() + static_cast<long>(window));
        EXPECT_EQ(check(tiny), RomCheck::NoOptionRom) << "window " << window;
    }
}

TEST(RomValidate, BadLengthForZeroOrBeyondTheWindow) {
    const RomImage rom = build_rom();
    Bytes zero = rom.bytes;
    zero[2] = 0;
    EXPECT_EQ(check(zero), RomCheck::BadLength);
    // The image claims one unit more than the window holds.
    const Bytes cut(rom.bytes.begin(), rom.bytes.end() - VMI_ROM_UNIT);
    EXPECT_EQ(check(cut), RomCheck::BadLength);
    EXPECT_EQ(check(rom.bytes, rom.bytes.size() - 1), RomCheck::BadLength);
    // Windows that end inside the header, past the VMI signature: the length check catches
    // them before any other header field is read (so TooSmall never fires).
    for (std::size_t window :
         {std::size_t{f::kFieldSignature} + 4, std::size_t{VMI_ROM_HEADER_SIZE} - 1}) {
        const Bytes cut_short(rom.bytes.begin(), rom.bytes.begin() + static_cast<long>(window));
        EXPECT_EQ(check(cut_short), RomCheck::BadLength) << "window " << window;
    }
    // A window that ends before the signature is complete cannot be a VMI ROM.
    for (std::size_t window = 3; window < f::kFieldSignature + 4; ++window) {
        const Bytes cut_short(rom.bytes.begin(), rom.bytes.begin() + static_cast<long>(window));
        EXPECT_EQ(check(cut_short), RomCheck::NotVmi) << "window " << window;
    }
    Bytes max = rom.bytes;
    max[2] = 255;
    fix_checksum(max);
    EXPECT_EQ(check(max), RomCheck::BadLength);
}

TEST(RomValidate, NotVmiForAnotherOptionRom) {
    const RomImage rom = build_rom();
    for (std::size_t byte = f::kFieldSignature; byte < f::kFieldSignature + 4; ++byte) {
        Bytes b = rom.bytes;
        b[byte] ^= 0x20; // "VM64" -> "vM64" etc.
        fix_checksum(b);
        EXPECT_EQ(check(b), RomCheck::NotVmi) << "byte " << byte;
    }
}

TEST(RomValidate, BadChecksumForAnyFlippedByte) {
    const RomImage rom = build_rom();
    for (std::size_t at : {std::size_t{0x07}, std::size_t{rom.code + 1}, std::size_t{rom.data},
                           rom.bytes.size() - 1}) {
        Bytes b = rom.bytes;
        b[at] = static_cast<std::uint8_t>(b[at] + 1);
        EXPECT_EQ(check(b), RomCheck::BadChecksum) << "byte " << at;
    }
    // The checksum covers the image, not the window behind it.
    Bytes window = rom.bytes;
    window.push_back(0x77);
    EXPECT_EQ(check(window), std::nullopt);
}

TEST(RomValidate, ChecksumAgreesWithAPlainByteSumForAnyContents) {
    // The validator sums eight bytes per step with periodic folding; fix_checksum sums one
    // byte at a time. Fill every unused byte (high values stress the lanes), then fix.
    for (int units : {1, 2, 3, 8, 64, 255}) {
        for (int pattern = 0; pattern < 3; ++pattern) {
            RomSpec spec;
            spec.units = static_cast<std::uint8_t>(units);
            spec.call_count = 4;
            spec.data_area = false;
            RomImage rom = build_rom(spec);
            const std::size_t used = rom.license + spec.license.size() + 1;
            std::uint32_t x = 0x12345678u + static_cast<std::uint32_t>(pattern);
            for (std::size_t i = used; i < rom.bytes.size(); ++i) {
                x = x * 1103515245u + 12345u;
                rom.bytes[i] = pattern == 0   ? 0xff
                               : pattern == 1 ? static_cast<std::uint8_t>(x >> 24)
                                              : static_cast<std::uint8_t>(0x80 | (x >> 25));
            }
            fix_checksum(rom.bytes);
            ASSERT_EQ(check(rom.bytes), std::nullopt) << units << " units, pattern " << pattern;
            // Any one byte changed, at every position within an 8-byte step and across
            // the folds: detected.
            const std::size_t stride = rom.bytes.size() > 4096 ? 509 : 1;
            for (std::size_t at = 0; at < rom.bytes.size(); at += stride) {
                if (at <= 2 || (at >= 8 && at < 12)) continue; // signatures, length: earlier
                Bytes b = rom.bytes;
                b[at] = static_cast<std::uint8_t>(b[at] + 1);
                ASSERT_EQ(check(b), RomCheck::BadChecksum)
                    << units << " units, pattern " << pattern << ", byte " << at;
            }
        }
    }
}

TEST(RomValidate, MajorMismatchEitherWay) {
    const RomImage rom = build_rom();
    for (std::uint16_t major :
         {std::uint16_t{0}, std::uint16_t{VMI_ABI_MAJOR + 1}, std::uint16_t{0xffff}}) {
        Bytes b = rom.bytes;
        put16(b, f::kFieldMajor, major);
        fix_checksum(b);
        EXPECT_EQ(check(b), RomCheck::MajorMismatch) << "major " << major;
    }
}

TEST(RomValidate, BadHeaderSize) {
    const RomImage rom = build_rom();
    const std::uint32_t size = size_of(rom);
    for (std::uint32_t hs :
         {0u, 1u, std::uint32_t{VMI_ROM_HEADER_SIZE} - 1, size + 1, 0x80000000u, 0xffffffffu})
        EXPECT_EQ(check(with32(rom.bytes, f::kFieldHeaderSize, hs)), RomCheck::BadHeaderSize)
            << "header_size " << hs;
}

// --- call table and entries -----------------------------------------------------------------

TEST(RomValidate, CallTableMisaligned) {
    const RomImage rom = build_rom();
    for (std::uint32_t delta : {1u, 2u, 3u})
        EXPECT_EQ(check(with32(rom.bytes, f::kFieldCallTable, rom.table + delta)),
                  RomCheck::CallTableBounds)
            << "table + " << delta;
}

TEST(RomValidate, CallTableInsideTheHeader) {
    RomSpec spec;
    spec.header_size = VMI_ROM_HEADER_SIZE + 0x10; // the ROM's own, larger header
    const RomImage rom = build_rom(spec);
    for (std::uint32_t table : {0u, 4u, std::uint32_t{VMI_ROM_HEADER_SIZE} - 4,
                                std::uint32_t{VMI_ROM_HEADER_SIZE}, spec.header_size - 4})
        EXPECT_EQ(check(with32(rom.bytes, f::kFieldCallTable, table)), RomCheck::CallTableBounds)
            << "table " << table;
}

TEST(RomValidate, CallTableBeyondTheImage) {
    RomSpec spec;
    spec.units = 8;
    const RomImage rom = build_rom(spec);
    const std::uint32_t size = size_of(rom);
    // One entry past the end; starting at the end; far beyond.
    for (std::uint32_t table : {size - 50 * 4 + 4, size, size + 4, 0x10000000u})
        EXPECT_EQ(check(with32(rom.bytes, f::kFieldCallTable, table)), RomCheck::CallTableBounds)
            << "table " << table;
    // The table stays put but claims more entries than fit.
    const std::uint32_t fit = (size - rom.table) / 4;
    EXPECT_EQ(check(with32(rom.bytes, f::kFieldCallCount, fit + 1)), RomCheck::CallTableBounds);
}

TEST(RomValidate, CallTableWithMoreThan4096Entries) {
    RomSpec spec;
    spec.units = 255;
    spec.call_count = 4096;
    const RomImage rom = build_rom(spec);
    ASSERT_EQ(check(rom.bytes), std::nullopt);
    // 4097 entries still fit in the image: only the count limit rejects them.
    ASSERT_LE(rom.table + 4097u * 4, rom.bytes.size());
    EXPECT_EQ(check(with32(rom.bytes, f::kFieldCallCount, 4097)), RomCheck::CallTableBounds);
}

TEST(RomValidate, CallTableWhoseEndOverflows) {
    const RomImage rom = build_rom();
    // table + count * 4 wraps to 0 in 32 bits.
    Bytes wrap_table = with32(rom.bytes, f::kFieldCallTable, 0xfffff000u);
    put32(wrap_table, f::kFieldCallCount, 0x400);
    fix_checksum(wrap_table);
    EXPECT_EQ(check(wrap_table), RomCheck::CallTableBounds);
    // count * 4 wraps to 4 in 32 bits.
    EXPECT_EQ(check(with32(rom.bytes, f::kFieldCallCount, 0x40000001u)), RomCheck::CallTableBounds);
    EXPECT_EQ(check(with32(rom.bytes, f::kFieldCallCount, 0xffffffffu)), RomCheck::CallTableBounds);
}

TEST(RomValidate, InitAndRelocOutsideTheImageOrInsideTheHeader) {
    RomSpec spec;
    spec.header_size = VMI_ROM_HEADER_SIZE + 0x10;
    const RomImage rom = build_rom(spec);
    const std::uint32_t size = size_of(rom);
    for (std::size_t field : {f::kFieldInit, f::kFieldReloc}) {
        // Inside the ROM's header, though past sizeof(vmi_rom_header); then outside the image.
        for (std::uint32_t offset :
             {0u, 3u, std::uint32_t{VMI_ROM_HEADER_SIZE} - 1, std::uint32_t{VMI_ROM_HEADER_SIZE},
              spec.header_size - 1, size, size + 1, 0xffffffffu})
            EXPECT_EQ(check(with32(rom.bytes, field, offset)), RomCheck::EntryOutOfBounds)
                << "field 0x" << std::hex << field << " offset 0x" << offset;
        EXPECT_EQ(check(with32(rom.bytes, field, spec.header_size)), std::nullopt);
    }
}

TEST(RomValidate, TableEntryOutsideTheImageOrInsideTheHeader) {
    const RomImage rom = build_rom();
    const std::uint32_t size = size_of(rom);
    // The first entry, one in the middle and the last: the whole table is checked.
    for (std::uint32_t call : {0u, 25u, 49u}) {
        for (std::uint32_t entry : {1u, std::uint32_t{VMI_ROM_HEADER_SIZE} - 1, size, 0xffffffffu})
            EXPECT_EQ(check(with32(rom.bytes, rom.table + call * 4, entry)),
                      RomCheck::EntryOutOfBounds)
                << "call " << call << " entry " << entry;
    }
    // An entry just past the table is not part of it.
    Bytes after = rom.bytes;
    put32(after, rom.table + 50 * 4, 0xffffffffu); // overwrites code bytes only
    fix_checksum(after);
    EXPECT_EQ(check(after), std::nullopt);
}

// --- data area and strings -------------------------------------------------------------------

TEST(RomValidate, DataAreaMisalignedTooSmallOrBeyondTheImage) {
    RomSpec spec;
    spec.units = 8;
    const RomImage rom = build_rom(spec);
    const std::uint32_t size = size_of(rom);
    for (std::uint32_t delta : {1u, 4u, 7u})
        EXPECT_EQ(check(with32(rom.bytes, f::kFieldDataOffset, rom.data + delta)),
                  RomCheck::DataAreaBounds)
            << "data + " << delta;
    for (std::uint32_t data_size : {1u, std::uint32_t{VMI_DATA_AREA_SIZE} - 1})
        EXPECT_EQ(check(with32(rom.bytes, f::kFieldDataSize, data_size)), RomCheck::DataAreaBounds)
            << "data_size " << data_size;
    for (std::uint32_t data : {size - VMI_DATA_AREA_SIZE + 8, size, size + 8, 0xfffffff8u})
        EXPECT_EQ(check(with32(rom.bytes, f::kFieldDataOffset, data)), RomCheck::DataAreaBounds)
            << "data " << data;
    // A size that reaches past the end, or wraps the 32-bit sum of offset and size.
    EXPECT_EQ(check(with32(rom.bytes, f::kFieldDataSize, size - rom.data + 1)),
              RomCheck::DataAreaBounds);
    EXPECT_EQ(check(with32(rom.bytes, f::kFieldDataSize, 0u - rom.data)), RomCheck::DataAreaBounds);
    // Over the header, where the hypervisor's writes would change the header itself.
    EXPECT_EQ(check(with32(rom.bytes, f::kFieldDataOffset, 0)), RomCheck::DataAreaBounds);
}

TEST(RomValidate, NameAndLicenseLimits) {
    RomSpec spec;
    spec.name = std::string(31, 'n');
    spec.license = std::string(31, 'l');
    EXPECT_EQ(check(build_rom(spec).bytes), std::nullopt) << "31 characters and the NUL fit";
    spec.name = std::string(32, 'n');
    EXPECT_EQ(check(build_rom(spec).bytes), RomCheck::BadString);
    spec.name = "x";
    spec.license = std::string(32, 'l');
    EXPECT_EQ(check(build_rom(spec).bytes), RomCheck::BadString);
    spec.license = "";
    EXPECT_EQ(check(build_rom(spec).bytes), std::nullopt) << "an empty string is a string";
}

TEST(RomValidate, NameAndLicenseOffsetZeroOrOutside) {
    const RomImage rom = build_rom();
    const std::uint32_t size = size_of(rom);
    for (std::size_t field : {f::kFieldName, f::kFieldLicense})
        for (std::uint32_t offset : {0u, size, size + 1, 0xffffffffu})
            EXPECT_EQ(check(with32(rom.bytes, field, offset)), RomCheck::BadString)
                << "field 0x" << std::hex << field << " offset 0x" << offset;
}

TEST(RomValidate, StringRunningOffTheImageEnd) {
    // The last bytes of the image are characters: the terminator would lie outside.
    RomSpec spec;
    spec.units = 1;
    spec.call_count = 4;
    spec.data_area = false;
    RomImage rom = build_rom(spec);
    const std::uint32_t size = size_of(rom);
    for (std::size_t field : {f::kFieldName, f::kFieldLicense}) {
        Bytes b = rom.bytes;
        b[size - 3] = 'a';
        b[size - 2] = 'b';
        b[size - 1] = 'c';
        put32(b, field, size - 3);
        fix_checksum(b);
        EXPECT_EQ(check(b), RomCheck::BadString) << "field 0x" << std::hex << field;
        b[size - 1] = 0;
        fix_checksum(b);
        EXPECT_EQ(check(b), std::nullopt) << "terminated on the last byte";
    }
}

// --- order of the checks (docs/spec.md §8) ----------------------------------------------------

// One breakage per check, in the spec's order; each leaves the earlier checks passing.
struct Breakage {
    RomCheck expected;
    std::function<void(Bytes&, const RomImage&)> apply;
    bool keeps_checksum; // false: the checksum must not be fixed afterwards
};

TEST(RomValidate, ReportsTheFirstFailingCheckInSpecOrder) {
    const RomImage rom = build_rom();
    const std::uint32_t size = size_of(rom);
    const std::vector<Breakage> breakages = {
        {RomCheck::NotVmi, [](Bytes& b, const RomImage&) { b[f::kFieldSignature] = 'X'; }, true},
        {RomCheck::BadLength, [](Bytes& b, const RomImage&) { b[2] = 0; }, true},
        {RomCheck::BadChecksum, [](Bytes& b, const RomImage& r) { b[r.code] ^= 1; }, false},
        {RomCheck::MajorMismatch,
         [](Bytes& b, const RomImage&) { put16(b, f::kFieldMajor, VMI_ABI_MAJOR + 1); }, true},
        {RomCheck::BadHeaderSize,
         [size](Bytes& b, const RomImage&) { put32(b, f::kFieldHeaderSize, size + 4); }, true},
        {RomCheck::CallTableBounds,
         [](Bytes& b, const RomImage& r) { put32(b, f::kFieldCallTable, r.table + 2); }, true},
        {RomCheck::EntryOutOfBounds,
         [size](Bytes& b, const RomImage&) { put32(b, f::kFieldInit, size); }, true},
        {RomCheck::DataAreaBounds,
         [](Bytes& b, const RomImage& r) { put32(b, f::kFieldDataOffset, r.data + 4); }, true},
        {RomCheck::BadString, [](Bytes& b, const RomImage&) { put32(b, f::kFieldName, 0); }, true},
    };
    for (std::size_t first = 0; first < breakages.size(); ++first) {
        Bytes b = rom.bytes;
        bool fix = true;
        for (std::size_t i = first; i < breakages.size(); ++i) {
            breakages[i].apply(b, rom);
            fix = fix && breakages[i].keeps_checksum;
        }
        if (fix) fix_checksum(b);
        EXPECT_EQ(check(b), breakages[first].expected)
            << "expected '" << to_string(breakages[first].expected) << "', got '"
            << (check(b) ? to_string(*check(b)) : "accepted") << "'";
    }
}

// A zero length with the VMI signature is a broken VMI ROM, reported as such; without the
// signature it is a firmware's own option ROM, whatever its length byte says.
TEST(RomValidate, SignatureIsCheckedBeforeTheLength) {
    Bytes b = build_rom().bytes;
    b[2] = 0; // bad checksum too
    EXPECT_EQ(check(b), RomCheck::BadLength);
    b[f::kFieldSignature] = 0;
    EXPECT_EQ(check(b), RomCheck::NotVmi);
    b[0] = 0;
    EXPECT_EQ(check(b), RomCheck::NoOptionRom);
}

TEST(RomValidate, ReasonsAreDistinctAndNamedAsInTheSpec) {
    EXPECT_EQ(to_string(RomCheck::BadLength), "bad ROM length");
    EXPECT_EQ(to_string(RomCheck::TooSmall), "image smaller than the VMI header");
    EXPECT_EQ(to_string(RomCheck::NotVmi), "bad signature");
    EXPECT_EQ(to_string(RomCheck::BadChecksum), "checksum mismatch");
    EXPECT_EQ(to_string(RomCheck::MajorMismatch), "unsupported ABI major version");
    EXPECT_EQ(to_string(RomCheck::BadHeaderSize), "bad header size");
    EXPECT_EQ(to_string(RomCheck::CallTableBounds), "call table out of bounds");
    EXPECT_EQ(to_string(RomCheck::EntryOutOfBounds), "entry offset outside the image");
    EXPECT_EQ(to_string(RomCheck::DataAreaBounds), "data area out of bounds");
    EXPECT_EQ(to_string(RomCheck::BadString), "bad name or license string");
    std::set<std::string> seen;
    for (int c = static_cast<int>(RomCheck::NoOptionRom);
         c <= static_cast<int>(RomCheck::BadString); ++c)
        EXPECT_TRUE(seen.insert(to_string(static_cast<RomCheck>(c))).second) << c;
}

// --- call table reads and the real ROM -------------------------------------------------------

TEST(RomCallOffset, ReadsEachEntryOfTheTable) {
    RomSpec spec;
    spec.call_count = 60;
    const RomImage rom = build_rom(spec);
    ASSERT_EQ(check(rom.bytes), std::nullopt);
    for (std::uint32_t call = 0; call < spec.call_count; ++call)
        EXPECT_EQ(rom_call_offset(rom.bytes.data(), call), built_call_entry(rom, call))
            << "call " << call;
}

TEST(RomCallOffset, FollowsTheTableWhereverItIs) {
    RomSpec spec;
    spec.units = 8;
    RomImage rom = build_rom(spec);
    const std::uint32_t moved = size_of(rom) - 50 * 4;
    for (std::uint32_t call = 0; call < 50; ++call)
        put32(rom.bytes, moved + call * 4, call % 2 ? rom.code + call : 0);
    put32(rom.bytes, f::kFieldCallTable, moved);
    fix_checksum(rom.bytes);
    ASSERT_EQ(check(rom.bytes), std::nullopt);
    for (std::uint32_t call = 0; call < 50; ++call)
        EXPECT_EQ(rom_call_offset(rom.bytes.data(), call), call % 2 ? rom.code + call : 0u);
}

Bytes read_vmm_rom() {
    std::ifstream in(VMI_TEST_VMM_ROM, std::ios::binary);
    return Bytes((std::istreambuf_iterator<char>(in)), {});
}

TEST(RomValidate, TheBuiltVmmRomValidates) {
    const Bytes rom = read_vmm_rom();
    ASSERT_FALSE(rom.empty()) << "cannot read " << VMI_TEST_VMM_ROM;
    const auto valid = validate_rom(rom.data(), rom.size());
    ASSERT_TRUE(valid.ok());
    const RomInfo info = valid.value();
    EXPECT_EQ(info.size, rom.size());
    EXPECT_EQ(info.abi_major, VMI_ABI_MAJOR);
    EXPECT_EQ(info.call_count, std::uint32_t{VMI_CALL_COUNT});
    EXPECT_STREQ(info.name, "vmi-vmm");
    // docs/rom-vmm.md binds these through the call table; entries lie past the header.
    for (std::uint32_t call : {std::uint32_t{VMI_CALL_CPUID}, std::uint32_t{VMI_CALL_CONSOLE_WRITE},
                               std::uint32_t{VMI_CALL_SHUTDOWN}}) {
        const std::uint32_t entry = rom_call_offset(rom.data(), call);
        EXPECT_GE(entry, VMI_ROM_HEADER_SIZE) << "call " << call;
        EXPECT_LT(entry, info.size) << "call " << call;
    }
    Bytes window = rom;
    window.resize(VMI_ROM_SCAN_END - VMI_ROM_SCAN_START);
    EXPECT_TRUE(validate_rom(window.data(), window.size()).ok());
}

} // namespace
} // namespace vmi
