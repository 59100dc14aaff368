// The ROM the VMM offers (docs/spec.md §3.4): reading the file, the wall-clock scale, and
// installing the image into the option-ROM window with its data area filled and the 8-bit
// sum kept as it was. Windows and images are exactly sized so ASan sees any overrun.
#include "rom/rom_image.hpp"
#include "rom_builder.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <string>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>
#include <vmirt/rom_validate.hpp>

namespace vmm {
namespace {

using test::build_rom;
using test::byte_sum;
using test::Bytes;
using test::fix_checksum;
using test::get32;
using test::put32;
using test::RomImage;
using test::RomSpec;

constexpr std::size_t kWindow = VMI_ROM_SCAN_END - VMI_ROM_SCAN_START; // 128 KiB

// A fresh directory under $TMPDIR, removed with everything in it.
class TempDir {
  public:
    TempDir() {
        std::string pattern =
            (std::filesystem::temp_directory_path() / "vmi-rom-test-XXXXXX").string();
        if (!mkdtemp(pattern.data())) std::abort();
        path_ = pattern;
    }
    ~TempDir() {
        std::error_code ec;
        std::filesystem::remove_all(path_, ec);
    }
    std::string file(const std::string& name, const Bytes& bytes) const {
        const std::string p = (path_ / name).string();
        std::ofstream(p, std::ios::binary)
            .write(reinterpret_cast<const char*>(bytes.data()),
                   static_cast<std::streamsize>(bytes.size()));
        return p;
    }
    std::string path() const { return path_.string(); }

  private:
    std::filesystem::path path_;
};

::testing::AssertionResult read_fails(const std::string& path, ErrorKind kind,
                                      const std::string& needle) {
    auto r = read_rom_file(path);
    if (r) return ::testing::AssertionFailure() << "read " << r.value().size() << " bytes";
    if (r.error().kind != kind)
        return ::testing::AssertionFailure()
               << "error kind " << static_cast<int>(r.error().kind) << ": " << r.error().message;
    if (r.error().message.find(needle) == std::string::npos)
        return ::testing::AssertionFailure()
               << "message '" << r.error().message << "' does not mention '" << needle << "'";
    return ::testing::AssertionSuccess();
}

Bytes vmm_rom() {
    auto r = read_rom_file(VMI_TEST_VMM_ROM);
    if (!r) {
        ADD_FAILURE() << r.error().message;
        return {};
    }
    return std::move(r).value();
}

RomFacts sample_facts(std::size_t cpuid_count = 3) {
    RomFacts facts;
    facts.cycle_hz = 2'445'000'000;
    facts.boot_cycles = 0x123456789abcull;
    facts.boot_wallclock_ns = 1'700'000'000'123'456'789ull;
    facts.memory_bytes = 128ull << 20;
    for (std::uint32_t i = 0; i < cpuid_count; ++i)
        facts.cpuid.push_back({0x40000000u + i, i, 0xa0 + i, 0xb0 + i, 0xc0 + i, 0xd0 + i});
    return facts;
}

vmi_data_area area_at(const Bytes& window, std::size_t offset) {
    vmi_data_area area;
    std::memcpy(&area, window.data() + offset, sizeof area);
    return area;
}

bool all_zero(const Bytes& bytes, std::size_t from) {
    for (std::size_t i = from; i < bytes.size(); ++i)
        if (bytes[i] != 0) return false;
    return true;
}

bool prefix_is(const Bytes& window, const Bytes& image) {
    return window.size() >= image.size() && std::equal(image.begin(), image.end(), window.begin());
}

// --- read_rom_file -------------------------------------------------------------------------

TEST(ReadRomFile, MissingFile) {
    TempDir dir;
    EXPECT_TRUE(read_fails(dir.path() + "/absent.rom", ErrorKind::NoInput, "cannot open"));
}

TEST(ReadRomFile, Directory) {
    TempDir dir;
    EXPECT_TRUE(read_fails(dir.path(), ErrorKind::NoInput, "is a directory"));
}

TEST(ReadRomFile, EmptyFile) {
    TempDir dir;
    EXPECT_TRUE(
        read_fails(dir.file("empty.rom", {}), ErrorKind::BadRom, "is not an option-ROM image"));
}

TEST(ReadRomFile, NotAnOptionRom) {
    TempDir dir;
    EXPECT_TRUE(read_fails(dir.file("elf.rom", {0x7f, 'E', 'L', 'F', 2, 1, 1, 0}),
                           ErrorKind::BadRom, "no 0x55 0xAA signature"));
    EXPECT_TRUE(read_fails(dir.file("short.rom", {0x55, 0xaa}), ErrorKind::BadRom, "truncated"));
    EXPECT_TRUE(
        read_fails(dir.file("zero.rom", {0x55, 0xaa, 0x00, 0x00}), ErrorKind::BadRom, "of 0"));
    Bytes cut(VMI_ROM_UNIT, 0);
    cut[0] = 0x55, cut[1] = 0xaa, cut[2] = 2; // declares 1 KiB, holds 512 bytes
    EXPECT_TRUE(read_fails(dir.file("cut.rom", cut), ErrorKind::BadRom, "declares 1024 bytes"));
}

TEST(ReadRomFile, NotARegularFile) {
    TempDir dir;
    const std::string fifo = dir.path() + "/fifo.rom";
    ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
    EXPECT_TRUE(read_fails(fifo, ErrorKind::NoInput, "is not a regular file"));
}

Bytes option_rom(std::size_t size) {
    Bytes rom(size, 0x66);
    rom[0] = 0x55, rom[1] = 0xaa, rom[2] = 1;
    return rom;
}

TEST(ReadRomFile, LargerThanTheWindow) {
    TempDir dir;
    EXPECT_TRUE(read_fails(dir.file("big.rom", option_rom(kWindow + 1)), ErrorKind::BadRom,
                           "larger than the 128 KiB"));
    auto exact = read_rom_file(dir.file("exact.rom", option_rom(kWindow)));
    ASSERT_TRUE(exact) << exact.error().message;
    EXPECT_EQ(exact.value(), option_rom(kWindow));
}

TEST(ReadRomFile, ReadsTheBytesAsTheyAre) {
    TempDir dir;
    Bytes bytes(VMI_ROM_UNIT, 0x1a);
    bytes[0] = 0x55, bytes[1] = 0xaa, bytes[2] = 1;
    auto r = read_rom_file(dir.file("small.rom", bytes));
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(r.value(), bytes);
    const Bytes rom = vmm_rom();
    ASSERT_GE(rom.size(), 3u);
    EXPECT_EQ(rom.size(), rom[2] * std::size_t{VMI_ROM_UNIT});
}

// --- wallclock_scale -----------------------------------------------------------------------

TEST(WallclockScale, NanosecondsWithinOnePpm) {
    for (std::uint64_t hz : {std::uint64_t{1'000}, std::uint64_t{32'768}, std::uint64_t{1'000'000},
                             std::uint64_t{1'000'000'000}, std::uint64_t{2'445'000'000},
                             std::uint64_t{3'999'999'999}, std::uint64_t{5'000'000'000}}) {
        std::uint32_t mul = 0, shift = 0;
        wallclock_scale(hz, mul, shift);
        EXPECT_NE(mul, 0u) << hz;
        EXPECT_LE(shift, 32u) << hz;
        // The scale itself: |mul / 2^shift - 1e9 / hz| < 1e-6 * 1e9 / hz, in exact integers.
        using u128 = unsigned __int128;
        const u128 scaled = u128{mul} * hz;
        const u128 ideal = u128{1'000'000'000} << shift;
        const u128 diff = scaled > ideal ? scaled - ideal : ideal - scaled;
        EXPECT_LT(diff * 1'000'000, ideal) << hz << " Hz: mul " << mul << " shift " << shift;
        // An hour of cycles as the ROM converts them (the shift truncates: at most 1 ns off).
        const std::uint64_t cycles = hz * 3600;
        const auto ns = static_cast<double>((u128{cycles} * mul) >> shift);
        EXPECT_LT(std::abs(ns - 3600e9) / 3600e9, 1e-6) << hz << " Hz";
    }
}

TEST(WallclockScale, ExactForRoundFrequencies) {
    std::uint32_t mul = 0, shift = 0;
    wallclock_scale(1'000'000'000, mul, shift);
    EXPECT_EQ(static_cast<std::uint64_t>(mul) >> shift, 1u) << "1 GHz: one ns per cycle";
    EXPECT_EQ((std::uint64_t{1} << shift), mul);
    wallclock_scale(1'000'000, mul, shift);
    EXPECT_EQ((static_cast<unsigned __int128>(123456789) * mul) >> shift, 123456789000u);
}

TEST(WallclockScale, ZeroHzMeansUnknown) {
    std::uint32_t mul = 7, shift = 9;
    wallclock_scale(0, mul, shift);
    EXPECT_EQ(mul, 0u);
    EXPECT_EQ(shift, 0u);
}

// --- install_rom ---------------------------------------------------------------------------

TEST(InstallRom, FillsTheDataAreaOfTheRealRomAndKeepsTheSumZero) {
    const Bytes rom = vmm_rom();
    ASSERT_FALSE(rom.empty());
    ASSERT_EQ(byte_sum(rom.data(), rom.size()), 0);
    const std::uint32_t data = get32(rom.data(), test::kFieldDataOffset);
    const RomFacts facts = sample_facts();

    Bytes window(kWindow, 0xee); // stale contents from before
    EXPECT_EQ(install_rom(window, rom, facts), "");
    EXPECT_EQ(byte_sum(window.data(), rom.size()), 0) << "the image still sums to zero";
    EXPECT_TRUE(all_zero(window, rom.size())) << "the rest of the window is zeroed";

    const vmi_data_area area = area_at(window, data);
    EXPECT_EQ(area.magic, VMI_DATA_MAGIC);
    EXPECT_EQ(area.cycle_hz, facts.cycle_hz);
    EXPECT_EQ(area.boot_cycles, facts.boot_cycles);
    EXPECT_EQ(area.boot_wallclock_ns, facts.boot_wallclock_ns);
    EXPECT_EQ(area.memory_bytes, facts.memory_bytes);
    std::uint32_t mul = 0, shift = 0;
    wallclock_scale(facts.cycle_hz, mul, shift);
    EXPECT_EQ(area.wallclock_mul, mul);
    EXPECT_EQ(area.wallclock_shift, shift);
    ASSERT_EQ(area.cpuid_count, 3u);
    for (std::size_t i = 0; i < 3; ++i) {
        EXPECT_EQ(area.cpuid[i].leaf, facts.cpuid[i].leaf);
        EXPECT_EQ(area.cpuid[i].subleaf, facts.cpuid[i].subleaf);
        EXPECT_EQ(area.cpuid[i].edx, facts.cpuid[i].edx);
    }
    EXPECT_EQ(area.cpuid[3].leaf, 0u) << "unused answers are zero";

    // Outside the data area and the checksum byte the image is unchanged.
    for (std::size_t i = 0; i < rom.size(); ++i) {
        if (i == test::kFieldChecksum || (i >= data && i < data + sizeof(vmi_data_area))) continue;
        ASSERT_EQ(window[i], rom[i]) << "byte " << i;
    }
    // The guest's validator accepts what the VMM installed.
    EXPECT_TRUE(vmi::validate_rom(window.data(), window.size()).ok());
}

TEST(InstallRom, AdjustsForWhatTheDataAreaHeldBefore) {
    // Not every ROM ships a zeroed area: the adjustment is the difference, not the new sum.
    RomImage rom = build_rom();
    std::fill_n(rom.bytes.begin() + rom.data, VMI_DATA_AREA_SIZE, 0xa5);
    fix_checksum(rom.bytes);
    Bytes window(kWindow);
    EXPECT_EQ(install_rom(window, rom.bytes, sample_facts()), "");
    EXPECT_EQ(area_at(window, rom.data).magic, VMI_DATA_MAGIC);
    EXPECT_EQ(byte_sum(window.data(), rom.bytes.size()), 0);
}

TEST(InstallRom, ACorruptImageStaysCorruptByTheSameAmount) {
    const Bytes rom = vmm_rom();
    ASSERT_FALSE(rom.empty());
    const std::uint32_t init = get32(rom.data(), test::kFieldInit);
    for (std::uint8_t flip : {std::uint8_t{0x01}, std::uint8_t{0x80}, std::uint8_t{0xff}}) {
        Bytes corrupt = rom;
        corrupt[init] ^= flip;
        const std::uint8_t sum = byte_sum(corrupt.data(), corrupt.size());
        ASSERT_NE(sum, 0);
        Bytes window(kWindow);
        EXPECT_EQ(install_rom(window, corrupt, sample_facts()), "") << "the VMM does not judge";
        EXPECT_EQ(byte_sum(window.data(), corrupt.size()), sum) << "flip " << int{flip};
        const auto valid = vmi::validate_rom(window.data(), window.size());
        ASSERT_FALSE(valid.ok());
        EXPECT_EQ(valid.error(), vmi::RomCheck::BadChecksum);
    }
}

TEST(InstallRom, ClampsTheCpuidAnswersToTheArea) {
    const RomImage rom = build_rom();
    const RomFacts facts = sample_facts(VMI_DATA_CPUID_MAX + 8);
    Bytes window(kWindow);
    ASSERT_EQ(install_rom(window, rom.bytes, facts), "");
    const vmi_data_area area = area_at(window, rom.data);
    EXPECT_EQ(area.cpuid_count, std::uint32_t{VMI_DATA_CPUID_MAX});
    EXPECT_EQ(area.cpuid[VMI_DATA_CPUID_MAX - 1].leaf, facts.cpuid[VMI_DATA_CPUID_MAX - 1].leaf);
    EXPECT_EQ(byte_sum(window.data(), rom.bytes.size()), 0);
}

// An image the VMM copies but leaves alone, with the reason it gives.
void expect_copied_not_filled(const Bytes& image, const std::string& reason) {
    Bytes window(kWindow, 0xee);
    EXPECT_EQ(install_rom(window, image, sample_facts()), reason);
    EXPECT_TRUE(prefix_is(window, image)) << "copied unchanged";
    EXPECT_TRUE(all_zero(window, image.size())) << "the rest zeroed";
}

TEST(InstallRom, WithoutOptionRomSignatureIsCopiedNotFilled) {
    RomImage rom = build_rom();
    rom.bytes[1] = 0xab;
    fix_checksum(rom.bytes);
    expect_copied_not_filled(rom.bytes, "no VMI-64 header");
    rom.bytes[1] = 0xaa;
    rom.bytes[0] = 0x00;
    expect_copied_not_filled(rom.bytes, "no VMI-64 header");
}

TEST(InstallRom, WithoutVmiSignatureIsCopiedNotFilled) {
    RomImage rom = build_rom();
    rom.bytes[test::kFieldSignature + 3] = '5';
    expect_copied_not_filled(rom.bytes, "no VMI-64 header");
}

TEST(InstallRom, DataAreaOutOfBoundsIsCopiedNotFilled) {
    RomSpec spec;
    spec.units = 8;
    const RomImage rom = build_rom(spec);
    const std::uint32_t size = static_cast<std::uint32_t>(rom.bytes.size());
    const struct {
        std::size_t field;
        std::uint32_t value;
    } breakages[] = {
        {test::kFieldDataSize, VMI_DATA_AREA_SIZE - 1},          // too small
        {test::kFieldDataOffset, rom.data + 4},                  // misaligned
        {test::kFieldDataOffset, 0x48},                          // over the header
        {test::kFieldDataOffset, size - VMI_DATA_AREA_SIZE + 8}, // runs off the end
        {test::kFieldDataOffset, size},
        {test::kFieldDataOffset, 0xfffffff8u},  // wraps a 32-bit end
        {test::kFieldHeaderSize, rom.data + 8}, // inside a newer ROM's larger header
    };
    for (const auto& b : breakages) {
        Bytes image = rom.bytes;
        put32(image, b.field, b.value);
        fix_checksum(image);
        SCOPED_TRACE("field " + std::to_string(b.field) + " = " + std::to_string(b.value));
        expect_copied_not_filled(image, "no usable data area");
    }
}

// data_size 0 is the spec's "no data area": nothing to fill, and nothing to warn about.
TEST(InstallRom, NoDataAreaIsCopiedWithoutAReason) {
    const RomImage rom = build_rom();
    for (const std::uint32_t offset : {std::uint32_t{0}, rom.data}) {
        Bytes image = rom.bytes;
        put32(image, test::kFieldDataSize, 0);
        put32(image, test::kFieldDataOffset, offset);
        fix_checksum(image);
        SCOPED_TRACE("data_offset " + std::to_string(offset));
        expect_copied_not_filled(image, "");
    }
}

TEST(InstallRom, DataAreaPastRomLengthIsNotFilled) {
    // The file is longer than rom_length says: the area lies in the file, not in the image.
    RomSpec spec;
    spec.units = 8;
    RomImage rom = build_rom(spec);
    const std::uint32_t late = 3 * VMI_ROM_UNIT; // 8-aligned, inside the file
    put32(rom.bytes, test::kFieldDataOffset, late);
    rom.bytes[2] = 3; // the image ends where the area starts
    fix_checksum(rom.bytes);
    expect_copied_not_filled(rom.bytes, "no usable data area");
    rom.bytes[2] = 5; // now it fits
    fix_checksum(rom.bytes);
    Bytes window(kWindow);
    EXPECT_EQ(install_rom(window, rom.bytes, sample_facts()), "");
    EXPECT_EQ(area_at(window, late).magic, VMI_DATA_MAGIC);
    EXPECT_EQ(byte_sum(window.data(), 5 * VMI_ROM_UNIT), 0);
}

TEST(InstallRom, ImagesShorterThanTheHeaderAreCopied) {
    const Bytes whole = build_rom().bytes;
    for (std::size_t n : {std::size_t{0}, std::size_t{2}, sizeof(vmi_rom_header) - 1}) {
        const Bytes cut(whole.begin(), whole.begin() + static_cast<long>(n));
        expect_copied_not_filled(cut, "image smaller than the VMI header");
    }
}

TEST(InstallRom, AnImageLargerThanTheWindowIsTruncated) {
    // A junk image: copied up to the window's end and no further.
    Bytes junk(kWindow + 70000);
    for (std::size_t i = 0; i < junk.size(); ++i)
        junk[i] = static_cast<std::uint8_t>(i * 31 + 7);
    Bytes window(kWindow);
    EXPECT_NE(install_rom(window, junk, sample_facts()), "");
    EXPECT_TRUE(std::equal(window.begin(), window.end(), junk.begin()));

    // A valid maximal ROM followed by junk: filled, its sum kept.
    RomSpec spec;
    spec.units = 255;
    const RomImage rom = build_rom(spec);
    Bytes longer = rom.bytes;
    longer.resize(kWindow + 4096, 0x5c);
    EXPECT_EQ(install_rom(window, longer, sample_facts()), "");
    EXPECT_EQ(byte_sum(window.data(), VMI_ROM_MAX_SIZE), 0);
    EXPECT_EQ(area_at(window, rom.data).magic, VMI_DATA_MAGIC);
}

TEST(InstallRom, AWindowSmallerThanTheImageIsNeverOverrun) {
    // rom_length promises more than the window holds; the data area lies beyond the window.
    RomSpec spec;
    spec.units = 8;
    RomImage rom = build_rom(spec);
    put32(rom.bytes, test::kFieldDataOffset, 3000);
    fix_checksum(rom.bytes);
    Bytes small(2048);
    EXPECT_EQ(install_rom(small, rom.bytes, sample_facts()), "no usable data area");
    EXPECT_TRUE(std::equal(small.begin(), small.end(), rom.bytes.begin()));
    // A window too small for the header.
    Bytes tiny(16);
    EXPECT_EQ(install_rom(tiny, rom.bytes, sample_facts()), "image smaller than the VMI header");
    EXPECT_TRUE(std::equal(tiny.begin(), tiny.end(), rom.bytes.begin()));
}

} // namespace
} // namespace vmm
