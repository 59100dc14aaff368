// Areas and the demand-zero side of handle_user_fault.
#include "mm/fault.hpp"
#include "mm_test.hpp"

namespace kernel::mm::test {
namespace {

constexpr uint64_t kHeap = 0x100000000ull;

TEST(Areas, AddChecksAlignmentBoundsOverlapAndRoom) {
    Areas a;
    EXPECT_EQ(a.add(0, kPageSize, kProtRead).error(), Error::BadAddress); // page 0 stays out
    EXPECT_EQ(a.add(kHeap + 1, kHeap + kPageSize, kProtRead).error(), Error::BadAddress);
    EXPECT_EQ(a.add(kHeap, kHeap, kProtRead).error(), Error::BadAddress);
    EXPECT_EQ(a.add(kHeap, kUserTop + kPageSize, kProtRead).error(), Error::BadAddress);
    EXPECT_EQ(a.add(kHeap, kHeap + kPageSize, 0).error(), Error::BadAddress);
    EXPECT_EQ(a.add(kHeap, kHeap + kPageSize, 8).error(), Error::BadAddress);
    ASSERT_TRUE(a.add(kHeap, kHeap + 4 * kPageSize, kProtRead | kProtWrite).ok());
    EXPECT_EQ(a.add(kHeap + 3 * kPageSize, kHeap + 5 * kPageSize, kProtRead).error(),
              Error::Overlap);
    ASSERT_TRUE(a.add(kHeap + 4 * kPageSize, kHeap + 5 * kPageSize, kProtRead).ok());
    ASSERT_TRUE(a.add(kUserTop - kPageSize, kUserTop, kProtRead).ok());
    while (a.count() < Areas::kMax)
        ASSERT_TRUE(a.add((a.count() + 1) * kPageSize, (a.count() + 2) * kPageSize, 1).ok());
    EXPECT_EQ(a.add(kHeap + 10 * kPageSize, kHeap + 11 * kPageSize, kProtRead).error(),
              Error::Full);
    EXPECT_EQ(a.find(kHeap + 4 * kPageSize)->prot, kProtRead);
    EXPECT_EQ(a.find(kHeap + 4 * kPageSize - 1)->prot, kProtRead | kProtWrite);
    EXPECT_EQ(a.find(kHeap - 1), nullptr);
}

TEST(Areas, RemoveTrimsSplitsAndDrops) {
    Areas a;
    ASSERT_TRUE(a.add(kHeap, kHeap + 10 * kPageSize, kProtRead | kProtWrite).ok());
    ASSERT_TRUE(a.add(kHeap + 20 * kPageSize, kHeap + 22 * kPageSize, kProtRead).ok());
    ASSERT_TRUE(a.remove(kHeap + 4 * kPageSize, kHeap + 6 * kPageSize).ok()); // split
    EXPECT_EQ(a.count(), 3u);
    EXPECT_EQ(a.find(kHeap + 5 * kPageSize), nullptr);
    ASSERT_NE(a.find(kHeap + 6 * kPageSize), nullptr);
    EXPECT_EQ(a.find(kHeap + 6 * kPageSize)->end, kHeap + 10 * kPageSize);
    EXPECT_EQ(a.find(kHeap)->end, kHeap + 4 * kPageSize);
    ASSERT_TRUE(a.remove(kHeap + 8 * kPageSize, kHeap + 30 * kPageSize).ok()); // trim + drop
    EXPECT_EQ(a.count(), 2u);
    EXPECT_EQ(a.find(kHeap + 6 * kPageSize)->end, kHeap + 8 * kPageSize);
    EXPECT_EQ(a.find(kHeap + 20 * kPageSize), nullptr);
    ASSERT_TRUE(a.remove(kPageSize, kHeap + 7 * kPageSize).ok()); // trim a start
    EXPECT_EQ(a.count(), 1u);
    EXPECT_EQ(a.find(kHeap + 7 * kPageSize)->start, kHeap + 7 * kPageSize);
    EXPECT_EQ(a.remove(kHeap, kHeap + 1).error(), Error::BadAddress);
}

TEST(Areas, RemoveThatNeedsASlotFailsWhenFull) {
    Areas a;
    for (unsigned i = 0; i < Areas::kMax; ++i)
        ASSERT_TRUE(a.add(kHeap + 4 * i * kPageSize, kHeap + (4 * i + 3) * kPageSize, 1).ok());
    EXPECT_EQ(a.remove(kHeap + kPageSize, kHeap + 2 * kPageSize).error(), Error::Full);
    EXPECT_EQ(a.count(), Areas::kMax);
    EXPECT_TRUE(a.remove(kHeap, kHeap + kPageSize).ok()); // trimming needs no slot
}

class FaultTest : public MmTest {
  protected:
    void SetUp() override {
        ASSERT_TRUE(s.create().ok());
        ASSERT_TRUE(areas.add(kHeap, kHeap + 16 * kPageSize, kProtRead | kProtWrite).ok());
        ASSERT_TRUE(areas.add(0x400000, 0x401000, kProtRead | kProtExec).ok());
    }
    Space s = space();
    Areas areas;
};

TEST_F(FaultTest, NotPresentInAnAreaMapsAZeroedPage) {
    EXPECT_EQ(handle_user_fault(s, areas, kHeap + 0x2345, kFaultWrite | kFaultUser),
              FaultResult::Resolved);
    const Mapping w = s.lookup(kHeap + 0x2000);
    ASSERT_TRUE(w.present());
    EXPECT_EQ(w.entry & ~kAddressMask, kPresent | kUser | kWritable);
    for (unsigned i = 0; i < kPageSize; ++i)
        ASSERT_EQ(bytes(w.frame())[i], 0) << i;
    // A read in a read-only area maps a read-only page.
    EXPECT_EQ(handle_user_fault(s, areas, 0x400010, kFaultUser), FaultResult::Resolved);
    EXPECT_EQ(s.lookup(0x400000).entry & ~kAddressMask, kPresent | kUser);
}

TEST_F(FaultTest, OutsideAreasKernelAndReservedAreFatal) {
    EXPECT_EQ(handle_user_fault(s, areas, kHeap - 1, kFaultUser), FaultResult::Fatal);
    EXPECT_EQ(handle_user_fault(s, areas, kHeap + 16 * kPageSize, kFaultUser), FaultResult::Fatal);
    EXPECT_EQ(handle_user_fault(s, areas, 0, kFaultUser), FaultResult::Fatal);
    EXPECT_EQ(handle_user_fault(s, areas, 0xffffffff80001000ull, kFaultUser), FaultResult::Fatal);
    EXPECT_EQ(handle_user_fault(s, areas, kHeap, kFaultUser | kFaultReserved), FaultResult::Fatal);
    EXPECT_EQ(handle_user_fault(s, areas, 0x400000, kFaultWrite | kFaultUser), FaultResult::Fatal);
    EXPECT_EQ(m.frames.free_frames(), free_at_start - 1); // only the PML4
}

TEST_F(FaultTest, PresentPagesAreJudgedByTheirEntry) {
    ASSERT_TRUE(s.map(kHeap, frame(), kUser | kWritable).ok());
    ASSERT_TRUE(s.map(kHeap + kPageSize, frame(), kUser).ok());
    ASSERT_TRUE(s.map(kHeap + 2 * kPageSize, frame(), kWritable).ok()); // supervisor-only
    s.activate();
    // Already writable: a stale TLB entry, so resolved by invalidating it.
    EXPECT_EQ(handle_user_fault(s, areas, kHeap, kFaultWrite | kFaultUser), FaultResult::Resolved);
    EXPECT_EQ(m.invalidated, (std::vector<uint64_t>{kHeap}));
    // Read-only without copy-on-write: the process's fault, though the area is writable.
    EXPECT_EQ(handle_user_fault(s, areas, kHeap + kPageSize, kFaultPresent | kFaultWrite),
              FaultResult::Fatal);
    EXPECT_EQ(handle_user_fault(s, areas, kHeap + 2 * kPageSize, kFaultUser), FaultResult::Fatal);
}

class FaultSmallTest : public MmTest {
  protected:
    FaultSmallTest() : MmTest(8 * kPageSize) {}
};

TEST_F(FaultSmallTest, OutOfMemoryIsFatalAndLeaksNothing) {
    Space s = space();
    Areas areas;
    ASSERT_TRUE(s.create().ok());
    ASSERT_TRUE(areas.add(kHeap, kHeap + 64 * kPageSize, kProtRead | kProtWrite).ok());
    uint64_t va = kHeap;
    while (handle_user_fault(s, areas, va, kFaultWrite | kFaultUser) == FaultResult::Resolved)
        va += kPageSize;
    EXPECT_EQ(m.frames.free_frames(), 0u);
    EXPECT_FALSE(s.lookup(va).present());
    ASSERT_TRUE(s.destroy().ok());
    EXPECT_EQ(m.frames.free_frames(), free_at_start);
}

} // namespace
} // namespace kernel::mm::test
