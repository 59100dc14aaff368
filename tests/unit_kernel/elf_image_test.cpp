// exec's validation of user program images (guest/kernel/proc/elf_image.cpp): built-in
// programs are trusted build outputs, but the parser must still never read outside the image.
#include "proc/elf_image.hpp"

#include <cstdint>
#include <cstring>
#include <gtest/gtest.h>
#include <vector>

using kernel::ElfError;
using kernel::ElfImage;
using kernel::parse_elf_image;

namespace {

constexpr std::uint64_t kBase = 0x400000;
constexpr std::uint64_t kTop = 0x100000000ull;

struct Segment {
    std::uint64_t vaddr, offset, filesz, memsz;
    std::uint32_t flags; // PF_X 1, PF_W 2, PF_R 4
};

template <typename T> void put(std::vector<std::uint8_t>& b, std::size_t at, T v) {
    std::memcpy(b.data() + at, &v, sizeof v);
}

// An ELF64 x86-64 executable with the given PT_LOAD segments and 0x2000 bytes of file.
std::vector<std::uint8_t> elf(std::uint64_t entry, const std::vector<Segment>& segments) {
    std::vector<std::uint8_t> b(0x2000, 0);
    const std::uint8_t ident[] = {0x7f, 'E', 'L', 'F', 2, 1, 1};
    std::memcpy(b.data(), ident, sizeof ident);
    put<std::uint16_t>(b, 0x10, 2);  // ET_EXEC
    put<std::uint16_t>(b, 0x12, 62); // EM_X86_64
    put<std::uint64_t>(b, 0x18, entry);
    put<std::uint64_t>(b, 0x20, 0x40); // phoff
    put<std::uint16_t>(b, 0x36, 0x38);
    put<std::uint16_t>(b, 0x38, static_cast<std::uint16_t>(segments.size()));
    for (std::size_t i = 0; i < segments.size(); ++i) {
        const std::size_t ph = 0x40 + i * 0x38;
        put<std::uint32_t>(b, ph, 1); // PT_LOAD
        put<std::uint32_t>(b, ph + 4, segments[i].flags);
        put<std::uint64_t>(b, ph + 8, segments[i].offset);
        put<std::uint64_t>(b, ph + 0x10, segments[i].vaddr);
        put<std::uint64_t>(b, ph + 0x20, segments[i].filesz);
        put<std::uint64_t>(b, ph + 0x28, segments[i].memsz);
    }
    return b;
}

ElfError parse(const std::vector<std::uint8_t>& b, ElfImage* out = nullptr) {
    ElfImage image{};
    const ElfError e = parse_elf_image(b.data(), b.size(), kBase, kTop, image);
    if (out) *out = image;
    return e;
}

const Segment kText{kBase, 0x1000, 0x200, 0x200, 5};
const Segment kData{kBase + 0x1000, 0x1200, 0x10, 0x3000, 6};

} // namespace

TEST(ElfImage, AcceptsTextAndData) {
    ElfImage image;
    ASSERT_EQ(parse(elf(kBase + 0x10, {kText, kData}), &image), ElfError::Ok);
    EXPECT_EQ(image.entry, kBase + 0x10);
    ASSERT_EQ(image.count, 2u);
    EXPECT_TRUE(image.segments[0].executable);
    EXPECT_FALSE(image.segments[0].writable);
    EXPECT_TRUE(image.segments[1].writable);
    EXPECT_EQ(image.segments[1].mem_size, 0x3000u);
}

TEST(ElfImage, RejectsWhatIsNotAnX86_64Executable) {
    auto b = elf(kBase, {kText});
    auto not_elf = b;
    not_elf[1] = 'X';
    EXPECT_EQ(parse(not_elf), ElfError::NotElf);
    EXPECT_EQ(parse(std::vector<std::uint8_t>(b.begin(), b.begin() + 0x3f)), ElfError::NotElf);
    auto elf32 = b;
    elf32[4] = 1;
    EXPECT_EQ(parse(elf32), ElfError::Unsupported);
    auto dyn = b;
    put<std::uint16_t>(dyn, 0x10, 3);
    EXPECT_EQ(parse(dyn), ElfError::Unsupported);
    auto arm = b;
    put<std::uint16_t>(arm, 0x12, 183);
    EXPECT_EQ(parse(arm), ElfError::Unsupported);
}

TEST(ElfImage, ProgramHeadersMustLieInTheFile) {
    auto b = elf(kBase, {kText});
    put<std::uint64_t>(b, 0x20, 0x1ff0); // phoff: one header would run past the end
    EXPECT_EQ(parse(b), ElfError::BadHeaders);
    put<std::uint64_t>(b, 0x20, ~std::uint64_t{0} - 8);
    EXPECT_EQ(parse(b), ElfError::BadHeaders);
    auto size = elf(kBase, {kText});
    put<std::uint16_t>(size, 0x36, 0x40);
    EXPECT_EQ(parse(size), ElfError::BadHeaders);
}

TEST(ElfImage, SegmentsMustBeSane) {
    EXPECT_EQ(parse(elf(kBase, {{kBase, 0x1f00, 0x200, 0x200, 5}})), ElfError::BadSegment)
        << "file bytes past the end";
    EXPECT_EQ(parse(elf(kBase, {{kBase, 0x1000, 0x300, 0x200, 5}})), ElfError::BadSegment)
        << "filesz > memsz";
    EXPECT_EQ(parse(elf(kBase + 0x10, {{kBase + 0x10, 0x1000, 0x20, 0x20, 5}})),
              ElfError::BadSegment)
        << "unaligned";
    EXPECT_EQ(parse(elf(kBase, {kText, {kBase, 0x1000, 0x10, 0x10, 6}})), ElfError::BadSegment)
        << "overlap";
    std::vector<Segment> five;
    for (std::uint64_t i = 0; i < 5; ++i)
        five.push_back({kBase + i * 0x1000, 0x1000, 0x10, 0x10, 5});
    EXPECT_EQ(parse(elf(kBase, five)), ElfError::TooManySegments);
}

TEST(ElfImage, SegmentsMustStayInUserSpace) {
    EXPECT_EQ(parse(elf(0x1000, {{0x1000, 0x1000, 0x10, 0x10, 5}})), ElfError::OutsideUserSpace);
    EXPECT_EQ(parse(elf(kTop - 0x1000, {{kTop - 0x1000, 0x1000, 0x10, 0x2000, 5}})),
              ElfError::OutsideUserSpace);
    EXPECT_EQ(parse(elf(kBase, {{0xfffffffffffff000ull, 0x1000, 0x10, 0x2000, 5}})),
              ElfError::OutsideUserSpace)
        << "wraps";
}

TEST(ElfImage, EntryMustBeInExecutableFileBytes) {
    EXPECT_EQ(parse(elf(kBase + 0x1000, {kText, kData})), ElfError::BadEntry) << "in data";
    EXPECT_EQ(parse(elf(kBase + 0x300, {kText})), ElfError::BadEntry) << "past the text";
    EXPECT_EQ(parse(elf(kBase, {})), ElfError::BadEntry) << "no segments";
}
