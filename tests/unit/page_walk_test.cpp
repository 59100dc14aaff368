// Guest-virtual translation through guest page tables (SDM vol. 3A §4.5) as the VMM does it
// for hypercall pointers: every leaf size, every missing level, hostile tables and addresses.
#include "memory/guest_memory.hpp"
#include "memory/page_walk.hpp"
#include "page_tables.hpp"

#include <cstdint>
#include <gtest/gtest.h>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace vmm {
namespace {

using test::k1GiB;
using test::k2MiB;
using test::k4KiB;
using test::PageTables;

constexpr std::uint64_t kGuestSize = 8ull << 20;
constexpr std::uint64_t kPool = 0x200000; // page tables live here (high RAM)
constexpr std::uint64_t kPoolSize = 0x80000;

::testing::AssertionResult fails_with(const Result<GuestPhysAddr>& r, std::string_view needle) {
    if (r)
        return ::testing::AssertionFailure() << "translated to 0x" << std::hex << r.value().raw();
    if (r.error().kind != ErrorKind::GuestAccess)
        return ::testing::AssertionFailure() << "error kind " << static_cast<int>(r.error().kind);
    if (r.error().message.find(needle) == std::string::npos)
        return ::testing::AssertionFailure()
               << "message '" << r.error().message << "' does not mention '" << needle << "'";
    return ::testing::AssertionSuccess();
}

class PageWalkTest : public ::testing::Test {
  protected:
    void SetUp() override {
        auto m = GuestMemory::create(kGuestSize);
        ASSERT_TRUE(m) << m.error().message;
        memory_.emplace(std::move(m).value());
        tables_.emplace(*memory_, kPool, kPoolSize);
    }

    GuestMemory& mem() { return *memory_; }
    PageTables& pt() { return *tables_; }

    std::optional<std::uint64_t> walk(std::uint64_t gva) { return walk(pt().paging(), gva); }
    std::optional<std::uint64_t> walk(const PagingState& paging, std::uint64_t gva) {
        auto r = translate(mem(), paging, gva);
        if (!r) return std::nullopt;
        return r.value().raw();
    }

    // Writes a recognisable pattern at a guest-physical range.
    void fill(std::uint64_t gpa, std::size_t len, std::uint8_t seed) {
        std::vector<std::uint8_t> bytes(len);
        for (std::size_t i = 0; i < len; ++i)
            bytes[i] = static_cast<std::uint8_t>(seed + i * 7);
        ASSERT_TRUE(mem().write(GuestPhysAddr(gpa), bytes));
    }
    std::vector<std::uint8_t> phys(std::uint64_t gpa, std::size_t len) {
        std::vector<std::uint8_t> out(len);
        EXPECT_TRUE(mem().read(GuestPhysAddr(gpa), out));
        return out;
    }

    std::optional<GuestMemory> memory_;
    std::optional<PageTables> tables_;
};

TEST_F(PageWalkTest, PagingOffIsIdentityTruncatedTo32Bits) {
    // CR0.PG clear: linear = physical, and a 32-bit CPU mode sees only the low 32 bits. The
    // other registers do not matter then, not even LA57.
    for (const PagingState& off :
         {PagingState{0x11, 0, 0, 0},
          PagingState{1, pt().cr3(), test::kCr4Pae | test::kCr4La57, test::kEferLongMode}}) {
        EXPECT_EQ(walk(off, 0x12345), 0x12345u);
        EXPECT_EQ(walk(off, 0xdeadbeef00012345ull), 0x12345u);
        EXPECT_EQ(walk(off, 0xffffffffffffffffull), 0xffffffffu)
            << "translation is not a bounds check";
    }
    fill(0x100000, 64, 3);
    std::vector<std::uint8_t> out(64);
    ASSERT_TRUE(read_virtual(mem(), PagingState{0x11, 0, 0, 0}, 0x0000123400100000ull, out));
    EXPECT_EQ(out, phys(0x100000, 64));
}

TEST_F(PageWalkTest, FourKiBLeaf) {
    const std::uint64_t gva = 0x00007f1234567000ull;
    pt().map(gva, 0x345000, k4KiB);
    EXPECT_EQ(walk(gva), 0x345000u);
    EXPECT_EQ(walk(gva + 0xabc), 0x345abcu);
    EXPECT_EQ(walk(gva + 0xfff), 0x345fffu);
    EXPECT_FALSE(walk(gva + 0x1000)) << "the next page is not mapped";
    EXPECT_FALSE(walk(gva - 1)) << "nor the previous one";
    // PAT (bit 7 of a PTE is not PS) and the bits above the address are not part of it.
    pt().set_entry(gva, 1,
                   0x345000 | test::kPtePresent | test::kPtePageSize | test::kPteNoExecute |
                       (0x7full << 52) | (1ull << 9));
    EXPECT_EQ(walk(gva + 0x10), 0x345010u);
}

TEST_F(PageWalkTest, TwoMiBLeaf) {
    const std::uint64_t gva = 0xffff800000400000ull;
    pt().map(gva, 0x400000, k2MiB);
    EXPECT_EQ(walk(gva), 0x400000u);
    EXPECT_EQ(walk(gva + 0x12345), 0x412345u);
    EXPECT_EQ(walk(gva + k2MiB - 1), 0x5fffffu);
    EXPECT_FALSE(walk(gva + k2MiB));
    // Bit 12 of a large-page entry is PAT, not an address bit.
    pt().set_entry(gva, 2, 0x400000 | (1ull << 12) | test::kPtePresent | test::kPtePageSize);
    EXPECT_EQ(walk(gva + 0x12345), 0x412345u);
}

TEST_F(PageWalkTest, OneGiBLeaf) {
    const std::uint64_t gva = 0xffffffffc0000000ull;
    pt().map(gva, 0, k1GiB);
    EXPECT_EQ(walk(gva + 0x12345678), 0x12345678u);
    EXPECT_EQ(walk(gva + k1GiB - 1), k1GiB - 1);
    pt().set_entry(gva, 3, (1ull << 12) | (1ull << 21) | test::kPtePresent | test::kPtePageSize);
    EXPECT_EQ(walk(gva + 0x300123), 0x300123u) << "bits 29:12 of a 1 GiB entry are not address";
    // The leaf reaches guest RAM: reads go through it.
    fill(0x300100, 32, 9);
    std::vector<std::uint8_t> out(32);
    ASSERT_TRUE(read_virtual(mem(), pt().paging(), gva + 0x300100, out));
    EXPECT_EQ(out, phys(0x300100, 32));
}

TEST_F(PageWalkTest, NotPresentAtEachLevel) {
    const std::uint64_t gva = 0xffffffff81000000ull;
    pt().map(gva, 0x500000, k4KiB);
    ASSERT_EQ(walk(gva + 8), 0x500008u);
    for (int level = 4; level >= 1; --level) {
        const std::uint64_t saved = pt().entry(gva, level);
        pt().set_entry(gva, level, saved & ~test::kPtePresent); // everything else intact
        EXPECT_TRUE(fails_with(translate(mem(), pt().paging(), gva + 8), "not mapped"))
            << "level " << level;
        std::vector<std::uint8_t> out(4);
        EXPECT_FALSE(read_virtual(mem(), pt().paging(), gva + 8, out)) << "level " << level;
        pt().set_entry(gva, level, saved);
        ASSERT_EQ(walk(gva + 8), 0x500008u);
    }
}

TEST_F(PageWalkTest, NonCanonicalAddressesAreRejected) {
    // Map the canonical twins so that only the canonical check can reject these.
    pt().map(0xffff800000000000ull, 0x300000, k4KiB);
    pt().map(0x00007ffffffff000ull, 0x301000, k4KiB);
    pt().map(0x0000000000000000ull, 0x302000, k4KiB);
    ASSERT_TRUE(walk(0xffff800000000000ull));
    ASSERT_TRUE(walk(0x00007ffffffff000ull));
    for (std::uint64_t gva :
         {0x0000800000000000ull, 0x00007ffffffff000ull | (1ull << 47), 0xffff7ffffffff000ull,
          0x0001000000000000ull, 0x8000000000000000ull, 0x7fff800000000000ull})
        EXPECT_TRUE(fails_with(translate(mem(), pt().paging(), gva), "non-canonical"))
            << std::hex << gva;
}

TEST_F(PageWalkTest, OnlyFourLevelLongModePagingIsSupported) {
    pt().map(0x1000, 0x300000, k4KiB);
    ASSERT_EQ(walk(0x1010), 0x300010u);
    const std::uint64_t cr3 = pt().cr3();
    const PagingState other_modes[] = {
        {test::kCr0Paging, cr3, 0, 0},                     // 32-bit paging
        {test::kCr0Paging, cr3, test::kCr4Pae, 0},         // PAE paging
        {test::kCr0Paging, cr3, test::kCr4Pae, 1ull << 8}, // LME without LMA
        {test::kCr0Paging, cr3, 0, test::kEferLongMode},   // LMA without PAE
        {test::kCr0Paging, cr3, test::kCr4Pae | test::kCr4La57, test::kEferLongMode}, // 5-level
    };
    for (const PagingState& p : other_modes)
        EXPECT_TRUE(fails_with(translate(mem(), p, 0x1010), "only 4-level"))
            << "cr4 " << p.cr4 << " efer " << p.efer;
}

TEST_F(PageWalkTest, TablePointersOutsideGuestMemoryAreErrors) {
    const std::uint64_t gva = 0x40201000;
    pt().map(gva, 0x300000, k4KiB);
    // CR3 itself outside: far above RAM, in the legacy hole, in the upper flag bits.
    for (std::uint64_t cr3 : {std::uint64_t{64} << 30, std::uint64_t{0xa0000}, kGuestSize,
                              std::uint64_t{0x000ffffffffff000}}) {
        PagingState p = pt().paging();
        p.cr3 = cr3;
        EXPECT_FALSE(translate(mem(), p, gva)) << std::hex << cr3;
    }
    // A table entry pointing outside guest memory, at each table level.
    for (int level = 4; level >= 2; --level) {
        for (std::uint64_t table : {std::uint64_t{64} << 30, std::uint64_t{0xb0000}, kGuestSize,
                                    std::uint64_t{0x000ffffffffff000}}) {
            const std::uint64_t saved = pt().entry(gva, level);
            pt().set_entry(gva, level, table | test::kPtePresent);
            auto r = translate(mem(), pt().paging(), gva);
            ASSERT_FALSE(r) << "level " << level << " table " << std::hex << table;
            EXPECT_EQ(r.error().kind, ErrorKind::GuestAccess);
            pt().set_entry(gva, level, saved);
        }
    }
    // A leaf outside guest memory translates (it is a valid address) but cannot be read.
    pt().set_entry(gva, 1, (std::uint64_t{64} << 30) | test::kPtePresent);
    EXPECT_EQ(walk(gva + 4), (std::uint64_t{64} << 30) + 4);
    std::vector<std::uint8_t> out(8);
    EXPECT_FALSE(read_virtual(mem(), pt().paging(), gva + 4, out));
}

TEST_F(PageWalkTest, ReadVirtualFollowsEachPage) {
    // Two virtually adjacent pages far apart physically, in the wrong order.
    const std::uint64_t gva = 0xffffffff80100000ull;
    pt().map(gva, 0x700000, k4KiB);
    pt().map(gva + k4KiB, 0x310000, k4KiB);
    fill(0x700000, k4KiB, 1);
    fill(0x310000, k4KiB, 2);
    std::vector<std::uint8_t> out(100);
    ASSERT_TRUE(read_virtual(mem(), pt().paging(), gva + k4KiB - 40, out));
    std::vector<std::uint8_t> expected = phys(0x700000 + k4KiB - 40, 40);
    const auto second = phys(0x310000, 60);
    expected.insert(expected.end(), second.begin(), second.end());
    EXPECT_EQ(out, expected);
}

TEST_F(PageWalkTest, ReadVirtualIntoAnUnmappedPageFails) {
    const std::uint64_t gva = 0x0000000080000000ull;
    pt().map(gva, 0x600000, k4KiB);
    fill(0x600000, k4KiB, 5);
    std::vector<std::uint8_t> out(16);
    ASSERT_TRUE(read_virtual(mem(), pt().paging(), gva + k4KiB - 16, out))
        << "ends on the boundary";
    EXPECT_FALSE(read_virtual(mem(), pt().paging(), gva + k4KiB - 15, out)) << "one byte across";
    EXPECT_FALSE(read_virtual(mem(), pt().paging(), gva + k4KiB - 8, out));
    // Nothing to read: nothing to translate.
    EXPECT_TRUE(read_virtual(mem(), pt().paging(), 0x0000800000000000ull, {}));
}

TEST_F(PageWalkTest, ReadVirtualDoesNotWrapAroundTheAddressSpace) {
    // Both ends of the address space are mapped: only the wrap check stops the read.
    pt().map(0xfffffffffffff000ull, 0x320000, k4KiB);
    pt().map(0, 0x330000, k4KiB);
    std::vector<std::uint8_t> out(16);
    std::vector<std::uint8_t> eight(8);
    ASSERT_TRUE(read_virtual(mem(), pt().paging(), 0xfffffffffffffff8ull, eight));
    auto r = read_virtual(mem(), pt().paging(), 0xfffffffffffffff8ull, out);
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message.find("wraps"), std::string::npos) << r.error().message;
}

} // namespace
} // namespace vmm
