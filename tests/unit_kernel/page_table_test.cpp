// PageTable over plain memory: map/unmap/lookup across levels, 2 MiB leaves, protect, the
// SET_PTE/UPDATE_PTE choice, TLB invalidation, and teardown.
#include "mm_test.hpp"

namespace kernel::mm::test {
namespace {

constexpr uint64_t kVa = 0x0000000000400000ull;
constexpr uint64_t kKernelBase = 0xffffffff80000000ull;

using PageTableTest = MmTest;

TEST_F(PageTableTest, CreateMakesAnEmptyPml4SharingTheKernelHalf) {
    Space k = space();
    ASSERT_TRUE(k.create().ok());
    ASSERT_TRUE(
        k.map_range(kKernelBase, PhysAddr{0}, 8ull << 20, kWritable | kGlobal | kLarge).ok());
    m.kernel_pdpt = PhysAddr{ops.table(k.root())[kKernelWindowEntry] & kAddressMask};

    Space s = space();
    ASSERT_TRUE(s.create().ok());
    EXPECT_EQ(m.tables.at(s.root().value), kLevelPml4);
    const uint64_t* pml4 = ops.table(s.root());
    for (unsigned i = 0; i < kKernelWindowEntry; ++i)
        EXPECT_EQ(pml4[i], 0u) << i;
    EXPECT_EQ(pml4[kKernelWindowEntry], m.kernel_pdpt.value | kPresent | kWritable);
    // The kernel window is visible through the new PML4 without copying a table.
    const Mapping w = s.lookup(kKernelBase + 0x312345);
    EXPECT_TRUE(w.present());
    EXPECT_EQ(w.phys.value, 0x312345u);
    EXPECT_TRUE(s.destroy().ok());
    EXPECT_EQ(m.tables.count(m.kernel_pdpt.value), 1u); // shared, so not released
}

TEST_F(PageTableTest, MapCreatesTheTablesAndLookupFindsTheByte) {
    Space s = space();
    ASSERT_TRUE(s.create().ok());
    const PhysAddr f = frame();
    ASSERT_TRUE(s.map(kVa, f, kUser | kWritable).ok());
    EXPECT_EQ(m.calls.allocate_table, 4); // PML4, PDPT, PD, PT
    EXPECT_EQ(m.tables.size(), 4u);
    const Mapping hit = s.lookup(kVa + 0x123);
    ASSERT_TRUE(hit.present());
    EXPECT_EQ(hit.level, kLevelPt);
    EXPECT_EQ(hit.phys.value, f.value + 0x123);
    EXPECT_EQ(hit.frame(), f);
    EXPECT_EQ(hit.entry, f.value | kPresent | kUser | kWritable);
    EXPECT_FALSE(s.lookup(kVa + kPageSize).present());
    EXPECT_FALSE(s.lookup(kVa + (1ull << 30)).present());
    EXPECT_FALSE(s.lookup(0x0000800000000000ull).present()); // non-canonical
    // A second page under the same tables allocates nothing.
    ASSERT_TRUE(s.map(kVa + kPageSize, frame(), kUser).ok());
    EXPECT_EQ(m.calls.allocate_table, 4);
    // Not loaded: every write was to an unused slot or an unreachable table.
    EXPECT_EQ(m.calls.update_pte, 0);
}

TEST_F(PageTableTest, MapRejectsBadArgumentsAndExistingMappings) {
    Space s = space();
    ASSERT_TRUE(s.create().ok());
    const PhysAddr f = frame();
    EXPECT_EQ(s.map(kVa + 1, f, 0).error(), Error::BadAddress);
    EXPECT_EQ(s.map(kVa, PhysAddr{f.value + 8}, 0).error(), Error::BadAddress);
    EXPECT_EQ(s.map(0x0000900000000000ull, f, 0).error(), Error::BadAddress); // non-canonical
    EXPECT_EQ(s.map(kKernelBase, f, kUser).error(), Error::BadAddress); // user page, kernel half
    EXPECT_EQ(s.map(kVa, f, 1ull << 63).error(), Error::BadAddress);    // unknown flag
    EXPECT_EQ(s.map(kVa, PhysAddr{1ull << 52}, 0).error(), Error::BadAddress);
    ASSERT_TRUE(s.map(kVa, f, 0).ok());
    EXPECT_EQ(s.map(kVa, f, 0).error(), Error::AlreadyMapped);
    // A 2 MiB page where a page table already is.
    EXPECT_EQ(s.map(kVa & ~(kLargePageSize - 1), PhysAddr{0}, kLarge).error(),
              Error::AlreadyMapped);
}

TEST_F(PageTableTest, LargePagesAcrossAPageDirectoryBoundary) {
    Space s = space();
    ASSERT_TRUE(s.create().ok());
    const uint64_t va = kKernelBase + (1ull << 30) - (4ull << 20); // PDPT 510, PD entry 510
    ASSERT_TRUE(s.map_range(va, PhysAddr{0}, 8ull << 20, kWritable | kGlobal | kLarge).ok());
    EXPECT_EQ(m.calls.allocate_table, 4);  // PML4, PDPT, two PDs
    EXPECT_EQ(m.calls.set_pte, 1 + 2 + 4); // links and leaves, all unused slots
    EXPECT_EQ(m.calls.lazy_on, 1);
    EXPECT_EQ(m.calls.lazy_off, 1);
    const Mapping a = s.lookup(va + 0x1234);
    ASSERT_TRUE(a.present());
    EXPECT_EQ(a.level, kLevelPd);
    EXPECT_EQ(a.phys.value, 0x1234u);
    EXPECT_TRUE(a.entry & kGlobal);
    const Mapping b = s.lookup(va + (7ull << 20) + 5);
    ASSERT_TRUE(b.present());
    EXPECT_EQ(b.phys.value, (7ull << 20) + 5);
    EXPECT_EQ(b.frame().value, 6ull << 20);
    EXPECT_FALSE(s.lookup(va + (8ull << 20)).present());
    // A 4 KiB page inside a large one is refused, as is a large page over it.
    EXPECT_EQ(s.map(va + kPageSize, frame(), 0).error(), Error::AlreadyMapped);
    EXPECT_EQ(s.map(va, PhysAddr{0}, kLarge).error(), Error::AlreadyMapped);
    EXPECT_EQ(s.map_range(va - kLargePageSize, PhysAddr{0}, 2 * kLargePageSize, kLarge).error(),
              Error::AlreadyMapped);
    // Unmapping a large page takes exactly that one.
    EXPECT_EQ(s.unmap(va + kLargePageSize + 0x10),
              kLargePageSize | kPresent | kWritable | kGlobal | kLarge);
    EXPECT_FALSE(s.lookup(va + kLargePageSize).present());
    EXPECT_TRUE(s.lookup(va + 2 * kLargePageSize).present());
    EXPECT_TRUE(s.lookup(va).present());
}

TEST_F(PageTableTest, MapRangeRejectsMisalignedAndHalfCrossingRanges) {
    Space s = space();
    ASSERT_TRUE(s.create().ok());
    EXPECT_TRUE(s.map_range(kVa, PhysAddr{0}, 0, 0).ok());
    EXPECT_EQ(s.map_range(kVa, PhysAddr{0}, kPageSize + 1, 0).error(), Error::BadAddress);
    EXPECT_EQ(s.map_range(kVa, PhysAddr{0}, kPageSize, kLarge).error(), Error::BadAddress);
    EXPECT_EQ(s.map_range(0x00007ffffffff000ull, PhysAddr{0}, 2 * kPageSize, 0).error(),
              Error::BadAddress);
    EXPECT_EQ(s.map_range(~0ull - kPageSize + 1, PhysAddr{0}, 2 * kPageSize, 0).error(),
              Error::BadAddress);
    EXPECT_EQ(m.calls.lazy_on, m.calls.lazy_off);
}

TEST_F(PageTableTest, UnmapReturnsTheOldEntryAndInvalidatesOnlyWhenLoaded) {
    Space s = space();
    ASSERT_TRUE(s.create().ok());
    const PhysAddr f = frame();
    ASSERT_TRUE(s.map(kVa, f, kUser | kWritable).ok());
    EXPECT_EQ(s.unmap(kVa), f.value | kPresent | kUser | kWritable);
    EXPECT_EQ(s.unmap(kVa), 0u);
    EXPECT_FALSE(s.lookup(kVa).present());
    EXPECT_EQ(m.calls.invalidate, 0); // not loaded: nothing to invalidate
    EXPECT_EQ(m.calls.update_pte, 0);

    ASSERT_TRUE(s.map(kVa, f, kUser).ok());
    s.activate();
    EXPECT_TRUE(s.active());
    const int set_before = m.calls.set_pte;
    EXPECT_EQ(s.unmap(kVa + 0x80), f.value | kPresent | kUser);
    EXPECT_EQ(m.calls.update_pte, 1); // the old entry was live
    EXPECT_EQ(m.calls.set_pte, set_before);
    EXPECT_EQ(m.invalidated, (std::vector<uint64_t>{kVa + 0x80}));
    // A new page in the loaded space fills an unused slot: SET_PTE, no invalidation.
    ASSERT_TRUE(s.map(kVa + kPageSize, f, kUser).ok());
    EXPECT_EQ(m.calls.update_pte, 1);
    EXPECT_EQ(m.calls.invalidate, 1);
    EXPECT_EQ(s.destroy().error(), Error::InUse);
}

TEST_F(PageTableTest, ProtectAndRemapKeepOrReplaceTheFrame) {
    Space s = space();
    ASSERT_TRUE(s.create().ok());
    const PhysAddr f = frame(), g = frame();
    ASSERT_TRUE(s.map(kVa, f, kUser | kWritable).ok());
    s.activate();
    ASSERT_TRUE(s.protect(kVa + 5, kUser).ok());
    EXPECT_EQ(s.lookup(kVa).entry, f.value | kPresent | kUser);
    const Result<uint64_t> old = s.remap(kVa, g, kUser | kWritable);
    ASSERT_TRUE(old.ok());
    EXPECT_EQ(old.value(), f.value | kPresent | kUser);
    EXPECT_EQ(s.lookup(kVa).frame(), g);
    EXPECT_EQ(m.calls.update_pte, 2);
    EXPECT_EQ(m.invalidated, (std::vector<uint64_t>{kVa, kVa}));
    EXPECT_EQ(s.protect(kVa + kPageSize, 0).error(), Error::NotMapped);
    EXPECT_EQ(s.remap(kVa + kPageSize, g, 0).error(), Error::NotMapped);
    EXPECT_EQ(s.remap(kVa, g, kLarge).error(), Error::BadAddress);
}

TEST_F(PageTableTest, UnmapUserRangeDropsReferencesAndBatchesTheTlb) {
    Space s = space();
    ASSERT_TRUE(s.create().ok());
    for (uint64_t i = 0; i < 12; ++i)
        ASSERT_TRUE(s.map(kVa + i * kPageSize, frame(), kUser | kWritable).ok());
    s.activate();
    const uint64_t free_mapped = m.frames.free_frames();
    // Three pages: one INVLPG each.
    ASSERT_TRUE(s.unmap_user_range(kVa, kVa + 3 * kPageSize).ok());
    EXPECT_EQ(m.calls.invalidate, 3);
    EXPECT_EQ(m.calls.flush_tlb, 0);
    EXPECT_EQ(m.frames.free_frames(), free_mapped + 3);
    // Nine pages (a range with holes is fine): one flush instead.
    ASSERT_TRUE(s.unmap_user_range(kVa, kVa + 64 * kPageSize).ok());
    EXPECT_EQ(m.calls.invalidate, 3);
    EXPECT_EQ(m.calls.flush_tlb, 1);
    EXPECT_EQ(m.frames.free_frames(), free_mapped + 12);
    EXPECT_EQ(m.calls.lazy_on, 2);
    EXPECT_EQ(m.calls.lazy_off, 2);
    EXPECT_FALSE(s.lookup(kVa + 11 * kPageSize).present());
    EXPECT_EQ(s.unmap_user_range(kVa, kVa + 1).error(), Error::BadAddress);
    EXPECT_EQ(s.unmap_user_range(kVa, kKernelBase).error(), Error::BadAddress);
}

TEST_F(PageTableTest, DestroyFreesEveryTableAndFrame) {
    Space s = space();
    ASSERT_TRUE(s.create().ok());
    // Far-apart pages at both ends of tables, as image, mmap and stack are laid out.
    const uint64_t vas[] = {0x400000,        0x5ff000,
                            0x100000000ull,  0x1ffffffffull & ~0xfffull,
                            0x7fffffe000ull, 0x00007ffffffff000ull};
    for (uint64_t va : vas)
        ASSERT_TRUE(s.map(va, frame(), kUser | kWritable).ok());
    // A frame the allocator does not manage (it is not counted, so not freed either).
    ASSERT_TRUE(s.map(0x800000, PhysAddr{0x1000}, kUser).ok());
    EXPECT_LT(m.frames.free_frames(), free_at_start);
    EXPECT_TRUE(s.destroy().ok());
    EXPECT_EQ(m.frames.free_frames(), free_at_start);
    EXPECT_TRUE(m.tables.empty());
    EXPECT_EQ(m.calls.allocate_table, m.calls.release_table);
    EXPECT_EQ(s.root(), PhysAddr{});
}

TEST_F(PageTableTest, DestroyedTablesComeBackZeroedForTheNextSpace) {
    Space s = space();
    ASSERT_TRUE(s.create().ok());
    for (uint64_t i = 0; i < 40; ++i) // entries in several 32-entry groups of one table
        ASSERT_TRUE(s.map(kVa + i * 13 * kPageSize, frame(0xee), kUser | kWritable).ok());
    ASSERT_TRUE(s.map(0x7ffffff000ull, frame(0xee), kUser).ok());
    std::set<uint64_t> used;
    for (const auto& [table, level] : m.tables)
        used.insert(table);
    ASSERT_TRUE(s.destroy().ok());
    // The same frames serve the next address space's tables, and the fake checks each is zero.
    Space t = space();
    ASSERT_TRUE(t.create().ok());
    ASSERT_TRUE(t.map(kVa, frame(), kUser).ok());
    ASSERT_TRUE(t.map(0x7ffffff000ull, frame(), kUser).ok());
    for (const auto& [table, level] : m.tables)
        EXPECT_EQ(used.count(table), 1u) << table;
}

TEST_F(PageTableTest, DestroyUserKeepsTheLoadedPml4AndFlushesOnce) {
    Space s = space();
    ASSERT_TRUE(s.create().ok());
    for (uint64_t i = 0; i < 20; ++i)
        ASSERT_TRUE(s.map((i + 1) << 39, frame(), kUser | kWritable).ok()); // 20 PML4 entries
    s.activate();
    const uint64_t pml4_free = free_at_start - 1;
    s.destroy_user();
    EXPECT_EQ(m.frames.free_frames(), pml4_free);
    EXPECT_EQ(m.tables.size(), 1u);
    EXPECT_EQ(m.calls.update_pte, 20);
    EXPECT_EQ(m.calls.flush_tlb, 2); // two batches of PML4 entries
    EXPECT_EQ(m.calls.invalidate, 0);
    EXPECT_FALSE(s.lookup(1ull << 39).present());
    // Usable again (exec maps the new image into the same PML4).
    ASSERT_TRUE(s.map(kVa, frame(), kUser).ok());
    EXPECT_TRUE(s.lookup(kVa).present());
}

} // namespace
} // namespace kernel::mm::test
