// PVH ELF parser and loader against valid, malformed and hostile images.
#include "elf_builder.hpp"
#include "loader/pvh_elf.hpp"
#include "memory/guest_memory.hpp"

#include <cstdint>
#include <cstring>
#include <gtest/gtest.h>
#include <limits>
#include <optional>
#include <string>
#include <string_view>

namespace vmm {
namespace {

using test::Bytes;
using test::ElfBuilder;
using test::kTestEntry;
using test::make_note;
using test::make_pvh_note;
using test::patch_ehdr;
using test::patch_phdr;
using test::valid_pvh_builder;
using test::valid_pvh_image;

constexpr std::uint64_t kMax64 = std::numeric_limits<std::uint64_t>::max();

// The parser must fail with BadImage and a message that names the problem.
::testing::AssertionResult rejected_with(const Bytes& image, std::string_view needle) {
    auto r = parse_pvh_elf(image);
    if (r) return ::testing::AssertionFailure() << "image was accepted";
    const Error& e = r.error();
    if (e.kind != ErrorKind::BadImage)
        return ::testing::AssertionFailure()
               << "error kind " << static_cast<int>(e.kind) << ": " << e.message;
    if (e.message.find(needle) == std::string::npos)
        return ::testing::AssertionFailure()
               << "message '" << e.message << "' does not mention '" << needle << "'";
    return ::testing::AssertionSuccess();
}

Bytes code_bytes(std::size_t n, std::uint8_t first) {
    Bytes b(n);
    for (std::size_t i = 0; i < n; ++i)
        b[i] = static_cast<std::uint8_t>(first + i);
    return b;
}

TEST(PvhElf, AcceptsValidImageWithFourByteNote) {
    const Bytes image = valid_pvh_image(4);
    auto r = parse_pvh_elf(image);
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(r.value().entry, kTestEntry);
    ASSERT_EQ(r.value().segments.size(), 1u);
    const LoadSegment& s = r.value().segments[0];
    const Elf64_Phdr ph = test::read_phdr(image, 0);
    EXPECT_EQ(s.paddr, ph.p_paddr);
    EXPECT_EQ(s.file_offset, ph.p_offset);
    EXPECT_EQ(s.file_size, ph.p_filesz);
    EXPECT_EQ(s.mem_size, ph.p_memsz);
}

TEST(PvhElf, AcceptsValidImageWithEightByteNote) {
    ElfBuilder b;
    b.add_load(0x200000, code_bytes(32, 1));
    b.add_note_segment(make_pvh_note(0x200010, 8));
    auto r = parse_pvh_elf(b.build());
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(r.value().entry, 0x200010u);
}

TEST(PvhElf, EntryComesFromTheNoteNotFromEEntry) {
    ElfBuilder b = valid_pvh_builder();
    b.set_entry(0xdead0000);
    auto r = parse_pvh_elf(b.build());
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(r.value().entry, kTestEntry);
}

TEST(PvhElf, FindsPvhNoteAfterOtherNotes) {
    // A 5-byte descriptor forces padding: the scanner must honour 4-byte alignment.
    Bytes notes = make_note("GNU", 3, code_bytes(5, 0x10));
    const Bytes other_xen = make_note("Xen", 1, code_bytes(8, 0));
    notes.insert(notes.end(), other_xen.begin(), other_xen.end());
    const Bytes pvh = make_pvh_note(kTestEntry + 4);
    notes.insert(notes.end(), pvh.begin(), pvh.end());
    ElfBuilder b;
    b.add_load(kTestEntry, code_bytes(16, 0));
    b.add_note_segment(notes);
    auto r = parse_pvh_elf(b.build());
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(r.value().entry, kTestEntry + 4);
}

TEST(PvhElf, IgnoresOtherProgramHeaderTypes) {
    ElfBuilder b = valid_pvh_builder();
    // A PT_GNU_STACK-like header with garbage placement must not be treated as loadable.
    const std::size_t i = b.add_segment(PT_GNU_STACK, 0, {}, 0);
    Bytes image = b.build();
    patch_phdr(image, i, [](Elf64_Phdr& ph) { ph.p_offset = kMax64; });
    auto r = parse_pvh_elf(image);
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(r.value().segments.size(), 1u);
}

TEST(PvhElf, RejectsNonElf) {
    EXPECT_TRUE(rejected_with({}, "not an ELF"));
    EXPECT_TRUE(rejected_with({0x7f, 'E', 'L'}, "not an ELF"));
    const std::string text = "#!/bin/sh\necho this is a script, not a kernel\n";
    EXPECT_TRUE(rejected_with(Bytes(text.begin(), text.end()), "not an ELF"));
}

TEST(PvhElf, RejectsElf32) {
    Bytes image = valid_pvh_image();
    image[EI_CLASS] = ELFCLASS32;
    EXPECT_TRUE(rejected_with(image, "ELF32"));
}

TEST(PvhElf, RejectsUnknownClass) {
    Bytes image = valid_pvh_image();
    image[EI_CLASS] = 7;
    EXPECT_TRUE(rejected_with(image, "ELF class 7"));
}

TEST(PvhElf, RejectsBigEndian) {
    Bytes image = valid_pvh_image();
    image[EI_DATA] = ELFDATA2MSB;
    EXPECT_TRUE(rejected_with(image, "little-endian"));
}

TEST(PvhElf, RejectsWrongMachine) {
    Bytes image = valid_pvh_image();
    patch_ehdr(image, [](Elf64_Ehdr& eh) { eh.e_machine = EM_AARCH64; });
    EXPECT_TRUE(rejected_with(image, "not x86-64"));
}

TEST(PvhElf, RejectsSharedObject) {
    Bytes image = valid_pvh_image();
    patch_ehdr(image, [](Elf64_Ehdr& eh) { eh.e_type = ET_DYN; });
    EXPECT_TRUE(rejected_with(image, "not an executable"));
}

TEST(PvhElf, RejectsTruncatedElfHeader) {
    Bytes image = valid_pvh_image();
    image.resize(sizeof(Elf64_Ehdr) - 1);
    EXPECT_TRUE(rejected_with(image, "truncated ELF header"));
    image.resize(EI_NIDENT);
    EXPECT_TRUE(rejected_with(image, "truncated ELF header"));
}

TEST(PvhElf, RejectsNoProgramHeaders) {
    Bytes image = valid_pvh_image();
    patch_ehdr(image, [](Elf64_Ehdr& eh) { eh.e_phnum = 0; });
    EXPECT_TRUE(rejected_with(image, "no program headers"));
}

TEST(PvhElf, RejectsTooManyProgramHeaders) {
    ElfBuilder b = valid_pvh_builder();
    std::size_t last = 1;
    while (last < kMaxProgramHeaders)
        last = b.add_segment(PT_NULL, 0, {}, 0);
    const Bytes image = b.build();
    ASSERT_EQ(test::read_phdr(image, 0).p_type, static_cast<Elf64_Word>(PT_LOAD));
    EXPECT_TRUE(rejected_with(image, std::to_string(kMaxProgramHeaders + 1) + " program headers"));

    Bytes most = image;
    patch_ehdr(most, [](Elf64_Ehdr& eh) { eh.e_phnum = kMaxProgramHeaders; });
    auto r = parse_pvh_elf(most);
    EXPECT_TRUE(r) << r.error().message;

    Bytes hostile = image;
    patch_ehdr(hostile, [](Elf64_Ehdr& eh) { eh.e_phnum = 0xffff; });
    EXPECT_TRUE(rejected_with(hostile, "65535 program headers"));
}

TEST(PvhElf, RejectsWrongProgramHeaderSize) {
    Bytes image = valid_pvh_image();
    patch_ehdr(image, [](Elf64_Ehdr& eh) { eh.e_phentsize = sizeof(Elf32_Phdr); });
    EXPECT_TRUE(rejected_with(image, "program header size 32"));
}

TEST(PvhElf, RejectsProgramHeadersPastEndOfFile) {
    Bytes image = valid_pvh_image();
    const std::uint64_t size = image.size();
    patch_ehdr(image, [&](Elf64_Ehdr& eh) { eh.e_phoff = size - sizeof(Elf64_Phdr) + 1; });
    EXPECT_TRUE(rejected_with(image, "truncated ELF program headers"));

    Bytes cut = valid_pvh_image();
    cut.resize(sizeof(Elf64_Ehdr) + sizeof(Elf64_Phdr)); // second header missing
    EXPECT_TRUE(rejected_with(cut, "truncated ELF program headers"));
}

TEST(PvhElf, RejectsProgramHeaderOffsetThatOverflows) {
    for (std::uint64_t phoff : {kMax64, kMax64 - sizeof(Elf64_Phdr) + 1, std::uint64_t{1} << 63}) {
        Bytes image = valid_pvh_image();
        patch_ehdr(image, [&](Elf64_Ehdr& eh) { eh.e_phoff = phoff; });
        EXPECT_TRUE(rejected_with(image, "truncated ELF program headers")) << "phoff " << phoff;
    }
}

TEST(PvhElf, RejectsSegmentBeyondFile) {
    Bytes image = valid_pvh_image();
    const std::uint64_t size = image.size();
    patch_phdr(image, 0, [&](Elf64_Phdr& ph) { ph.p_filesz = size - ph.p_offset + 1; });
    EXPECT_TRUE(rejected_with(image, "segment 0 runs past the end of the file"));
}

TEST(PvhElf, RejectsSegmentOffsetThatOverflows) {
    Bytes image = valid_pvh_image();
    patch_phdr(image, 0, [](Elf64_Phdr& ph) {
        ph.p_offset = kMax64 - 1;
        ph.p_filesz = 4;
    });
    EXPECT_TRUE(rejected_with(image, "segment 0 runs past the end of the file"));
}

TEST(PvhElf, RejectsNoteSegmentBeyondFile) {
    Bytes image = valid_pvh_image();
    patch_phdr(image, 1, [](Elf64_Phdr& ph) { ph.p_filesz = kMax64; });
    EXPECT_TRUE(rejected_with(image, "segment 1 runs past the end of the file"));
}

TEST(PvhElf, RejectsFileSizeAboveMemorySize) {
    Bytes image = valid_pvh_image();
    patch_phdr(image, 0, [](Elf64_Phdr& ph) { ph.p_memsz = ph.p_filesz - 1; });
    EXPECT_TRUE(rejected_with(image, "file size above memory size"));
}

TEST(PvhElf, RejectsSegmentBelowOneMiB) {
    ElfBuilder b;
    b.add_load(kMinLoadAddress - 0x1000, code_bytes(16, 0));
    b.add_note_segment(make_pvh_note(kMinLoadAddress - 0x1000));
    EXPECT_TRUE(rejected_with(b.build(), "below 1 MiB"));
}

TEST(PvhElf, RejectsSegmentWrappingAddressSpace) {
    ElfBuilder b = valid_pvh_builder();
    b.add_load(kMax64 - 0xfff, code_bytes(16, 0), 0x2000);
    EXPECT_TRUE(rejected_with(b.build(), "segment 2 wraps around the address space"));
}

TEST(PvhElf, RejectsOverlappingSegments) {
    ElfBuilder b;
    b.add_load(0x100000, code_bytes(16, 0), 0x2000);
    b.add_load(0x101fff, code_bytes(16, 0));
    b.add_note_segment(make_pvh_note(0x100000));
    EXPECT_TRUE(rejected_with(b.build(), "overlaps"));

    // The later segment containing the earlier one is an overlap too.
    ElfBuilder outer;
    outer.add_load(0x180000, code_bytes(16, 0));
    outer.add_load(0x100000, code_bytes(16, 0), 0x100000);
    outer.add_note_segment(make_pvh_note(0x180000));
    EXPECT_TRUE(rejected_with(outer.build(), "overlaps"));
}

TEST(PvhElf, AcceptsAdjacentSegments) {
    ElfBuilder b;
    b.add_load(0x100000, code_bytes(16, 0), 0x2000);
    b.add_load(0x102000, code_bytes(16, 0));
    b.add_note_segment(make_pvh_note(0x102000));
    auto r = parse_pvh_elf(b.build());
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(r.value().segments.size(), 2u);
}

TEST(PvhElf, RejectsMissingPvhNote) {
    ElfBuilder no_notes;
    no_notes.add_load(kTestEntry, code_bytes(16, 0));
    EXPECT_TRUE(rejected_with(no_notes.build(), "no PVH entry note"));

    // Right type, wrong owner; right owner, wrong type.
    for (const Bytes& note : {make_note("GNU", kXenElfNotePhys32Entry, code_bytes(4, 0)),
                              make_note("Xen", 17, code_bytes(4, 0))}) {
        ElfBuilder b;
        b.add_load(kTestEntry, code_bytes(16, 0));
        b.add_note_segment(note);
        EXPECT_TRUE(rejected_with(b.build(), "no PVH entry note"));
    }
}

TEST(PvhElf, RejectsPvhNoteWithBadDescriptorSize) {
    for (std::size_t size : {0u, 2u, 6u, 16u}) {
        ElfBuilder b;
        b.add_load(kTestEntry, code_bytes(16, 0));
        b.add_note_segment(make_pvh_note(kTestEntry, size));
        EXPECT_TRUE(rejected_with(b.build(), "descriptor size " + std::to_string(size)))
            << "descsz " << size;
    }
}

TEST(PvhElf, RejectsTruncatedNoteHeader) {
    Bytes image = valid_pvh_image();
    patch_phdr(image, 1, [](Elf64_Phdr& ph) { ph.p_filesz = sizeof(Elf64_Nhdr) - 1; });
    EXPECT_TRUE(rejected_with(image, "truncated ELF note header"));
}

TEST(PvhElf, RejectsNoteNameOrDescriptorPastSegment) {
    Bytes short_desc = valid_pvh_image();
    patch_phdr(short_desc, 1, [](Elf64_Phdr& ph) { ph.p_filesz -= 1; });
    EXPECT_TRUE(rejected_with(short_desc, "descriptor runs past"));

    Bytes huge_desc = valid_pvh_image();
    const std::uint64_t note_off = test::read_phdr(huge_desc, 1).p_offset;
    const std::uint32_t descsz = 0xffffffff;
    std::memcpy(huge_desc.data() + note_off + 4, &descsz, sizeof descsz);
    EXPECT_TRUE(rejected_with(huge_desc, "descriptor runs past"));

    Bytes huge_name = valid_pvh_image();
    const std::uint32_t namesz = 0xfffffffd;
    std::memcpy(huge_name.data() + note_off, &namesz, sizeof namesz);
    EXPECT_TRUE(rejected_with(huge_name, "name runs past"));
}

TEST(PvhElf, RejectsEntryOutsideLoadedBytes) {
    ElfBuilder b;
    b.add_load(kTestEntry, code_bytes(16, 0), 0x1000);
    b.add_note_segment(make_pvh_note(0x300000));
    EXPECT_TRUE(rejected_with(b.build(), "not inside a loaded segment"));

    // The bss tail holds no code: an entry there is as bad as one outside every segment.
    ElfBuilder bss;
    bss.add_load(kTestEntry, code_bytes(16, 0), 0x1000);
    bss.add_note_segment(make_pvh_note(kTestEntry + 16));
    EXPECT_TRUE(rejected_with(bss.build(), "not inside a loaded segment"));

    ElfBuilder last;
    last.add_load(kTestEntry, code_bytes(16, 0), 0x1000);
    last.add_note_segment(make_pvh_note(kTestEntry + 15));
    auto r = parse_pvh_elf(last.build());
    EXPECT_TRUE(r) << r.error().message;
}

TEST(PvhElf, RejectsEntryAbove4GiB) {
    ElfBuilder b;
    b.add_load(kTestEntry, code_bytes(16, 0));
    b.add_note_segment(make_pvh_note(std::uint64_t{1} << 32, 8));
    EXPECT_TRUE(rejected_with(b.build(), "above 4 GiB"));
}

TEST(PvhElf, RejectsImageWithoutLoadableSegments) {
    ElfBuilder b;
    b.add_note_segment(make_pvh_note(kTestEntry));
    EXPECT_TRUE(rejected_with(b.build(), "no loadable segments"));
}

Bytes u64(std::uint64_t v) {
    Bytes b(8);
    std::memcpy(b.data(), &v, 8);
    return b;
}

TEST(PvhElf, MemoryNeededIsTheHighestLoadedByte) {
    auto parsed = parse_pvh_elf(valid_pvh_image());
    ASSERT_TRUE(parsed) << parsed.error().message;
    std::uint64_t end = 0;
    for (const auto& s : parsed.value().segments)
        end = std::max(end, s.paddr + s.mem_size);
    EXPECT_EQ(parsed.value().min_memory, 0u);
    EXPECT_EQ(memory_needed(parsed.value()), end);
}

TEST(PvhElf, TheMinimumMemoryNoteRaisesWhatTheImageNeeds) {
    ElfBuilder b = valid_pvh_builder();
    Bytes notes = make_note("VMI64", kVmiNoteMinMemory, u64(8ull << 20));
    b.add_note_segment(notes);
    auto parsed = parse_pvh_elf(b.build());
    ASSERT_TRUE(parsed) << parsed.error().message;
    EXPECT_EQ(parsed.value().min_memory, 8ull << 20);
    EXPECT_EQ(memory_needed(parsed.value()), 8ull << 20);
}

TEST(PvhElf, RejectsAMinimumMemoryNoteOfTheWrongSize) {
    ElfBuilder b = valid_pvh_builder();
    b.add_note_segment(make_note("VMI64", kVmiNoteMinMemory, Bytes(4)));
    EXPECT_TRUE(rejected_with(b.build(), "minimum-memory note has descriptor size 4"));
}

class PvhLoad : public ::testing::Test {
  protected:
    void SetUp() override {
        auto m = GuestMemory::create(GuestMemory::kMinSize);
        ASSERT_TRUE(m) << m.error().message;
        memory_.emplace(std::move(m).value());
    }
    GuestMemory& memory() { return *memory_; }

    std::optional<GuestMemory> memory_;
};

TEST_F(PvhLoad, CopiesFileBytesAndZeroFillsBss) {
    const Bytes image = valid_pvh_image();
    auto parsed = parse_pvh_elf(image);
    ASSERT_TRUE(parsed) << parsed.error().message;
    const LoadSegment s = parsed.value().segments[0];
    ASSERT_GT(s.mem_size, s.file_size);

    // Stale bytes where bss goes, and a sentinel just past the segment.
    auto area = memory().span(GuestPhysAddr(s.paddr), s.mem_size + 1);
    ASSERT_TRUE(area);
    std::memset(area.value().data(), 0xaa, area.value().size());

    ASSERT_TRUE(load_pvh_segments(parsed.value(), image, memory()));
    const auto loaded = area.value();
    EXPECT_EQ(0, std::memcmp(loaded.data(), image.data() + s.file_offset, s.file_size));
    for (std::uint64_t i = s.file_size; i < s.mem_size; ++i)
        ASSERT_EQ(loaded[i], 0) << "bss byte " << i;
    EXPECT_EQ(loaded[s.mem_size], 0xaa) << "wrote past the segment";
}

TEST_F(PvhLoad, RejectsSegmentBeyondGuestMemory) {
    ElfBuilder b;
    b.add_load(GuestMemory::kMinSize - 0x1000, code_bytes(16, 0), 0x1001);
    b.add_note_segment(make_pvh_note(GuestMemory::kMinSize - 0x1000));
    const Bytes image = b.build();
    auto parsed = parse_pvh_elf(image);
    ASSERT_TRUE(parsed) << parsed.error().message;
    auto r = load_pvh_segments(parsed.value(), image, memory());
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().kind, ErrorKind::BadImage);
    EXPECT_NE(r.error().message.find("beyond guest memory"), std::string::npos)
        << r.error().message;
}

TEST_F(PvhLoad, FitsExactlyAtEndOfGuestMemory) {
    ElfBuilder b;
    b.add_load(GuestMemory::kMinSize - 0x1000, code_bytes(16, 0), 0x1000);
    b.add_note_segment(make_pvh_note(GuestMemory::kMinSize - 0x1000));
    const Bytes image = b.build();
    auto parsed = parse_pvh_elf(image);
    ASSERT_TRUE(parsed) << parsed.error().message;
    auto r = load_pvh_segments(parsed.value(), image, memory());
    EXPECT_TRUE(r) << r.error().message;
}

TEST_F(PvhLoad, RejectsImageThatDoesNotMatchItsFile) {
    // The loader re-checks file ranges instead of trusting the caller to pass the parsed file.
    const Bytes image = valid_pvh_image();
    auto parsed = parse_pvh_elf(image);
    ASSERT_TRUE(parsed) << parsed.error().message;
    const Bytes shorter(image.begin(), image.begin() + 100);
    auto r = load_pvh_segments(parsed.value(), shorter, memory());
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().kind, ErrorKind::BadImage);
    EXPECT_NE(r.error().message.find("past the end of the file"), std::string::npos)
        << r.error().message;
}

} // namespace
} // namespace vmm
