// clone_user_cow (fork) and the copy-on-write break of handle_user_fault.
#include "mm/fault.hpp"
#include "mm_test.hpp"

namespace kernel::mm::test {
namespace {

constexpr uint64_t kData = 0x600000; // writable
constexpr uint64_t kText = 0x400000; // read-only
constexpr uint64_t kStack = 0x7ffffff000ull;
constexpr uint64_t kWriteFault = kFaultPresent | kFaultWrite | kFaultUser;

class CowTest : public MmTest {
  protected:
    void SetUp() override {
        ASSERT_TRUE(parent.create().ok());
        ASSERT_TRUE(child.create().ok());
        ASSERT_TRUE(areas.add(kText, kText + kPageSize, kProtRead | kProtExec).ok());
        ASSERT_TRUE(areas.add(kData, kData + kPageSize, kProtRead | kProtWrite).ok());
        ASSERT_TRUE(areas.add(kStack, kStack + kPageSize, kProtRead | kProtWrite).ok());
        text = frame('t');
        data = frame('d');
        stack = frame('s');
        ASSERT_TRUE(parent.map(kText, text, kUser).ok());
        ASSERT_TRUE(parent.map(kData, data, kUser | kWritable).ok());
        ASSERT_TRUE(parent.map(kStack, stack, kUser | kWritable).ok());
    }

    Space parent = space(), child = space();
    Areas areas;
    PhysAddr text, data, stack;
};

TEST_F(CowTest, BothSidesShareReadOnlyFramesWithCountsRaised) {
    parent.activate();
    ASSERT_TRUE(parent.clone_user_cow(child).ok());
    for (uint64_t va : {kData, kStack}) {
        const Mapping p = parent.lookup(va), c = child.lookup(va);
        ASSERT_TRUE(p.present() && c.present());
        EXPECT_EQ(p.frame(), c.frame());
        EXPECT_EQ(p.entry, c.entry);
        EXPECT_FALSE(p.entry & kWritable);
        EXPECT_TRUE(p.entry & kCopyOnWrite);
        EXPECT_TRUE(p.entry & kUser);
        EXPECT_EQ(m.frames.count(p.frame()), 2);
    }
    // Read-only pages are shared as they are, not marked copy-on-write.
    EXPECT_EQ(child.lookup(kText).entry, text.value | kPresent | kUser);
    EXPECT_EQ(m.frames.count(text), 2);
    // The child reads the parent's data.
    EXPECT_EQ(bytes(child.lookup(kData + 7).frame())[7], 'd');
    // Parent entries were live: UPDATE_PTE and INVLPG for the two write-protected pages; the
    // child's were unused slots (the fake checks each call).
    EXPECT_EQ(m.calls.update_pte, 2);
    EXPECT_EQ(m.calls.invalidate, 2);
    EXPECT_EQ(m.calls.lazy_on, 1);
    EXPECT_EQ(m.calls.lazy_off, 1);
}

TEST_F(CowTest, WriteWithTwoHoldersCopiesAndLeavesTheOtherSideAlone) {
    ASSERT_TRUE(parent.clone_user_cow(child).ok());
    parent.activate();
    const uint64_t free_before = m.frames.free_frames();
    EXPECT_EQ(handle_user_fault(parent, areas, kData + 3, kWriteFault), FaultResult::Resolved);
    const Mapping p = parent.lookup(kData);
    EXPECT_NE(p.frame(), data);
    EXPECT_TRUE(p.entry & kWritable);
    EXPECT_FALSE(p.entry & kCopyOnWrite);
    EXPECT_EQ(bytes(p.frame())[100], 'd'); // a copy
    EXPECT_EQ(m.frames.count(data), 1);
    EXPECT_EQ(m.frames.free_frames(), free_before - 1);
    EXPECT_EQ(m.invalidated.back(), kData);
    bytes(p.frame())[0] = 'P';
    EXPECT_EQ(bytes(child.lookup(kData).frame())[0], 'd');
    EXPECT_EQ(child.lookup(kData).frame(), data);
    EXPECT_FALSE(child.lookup(kData).entry & kWritable);
}

TEST_F(CowTest, WriteByTheLastHolderTakesTheFrameOver) {
    ASSERT_TRUE(parent.clone_user_cow(child).ok());
    ASSERT_TRUE(child.destroy().ok());
    EXPECT_EQ(m.frames.count(data), 1);
    const uint64_t free_before = m.frames.free_frames();
    EXPECT_EQ(handle_user_fault(parent, areas, kData, kWriteFault), FaultResult::Resolved);
    const Mapping p = parent.lookup(kData);
    EXPECT_EQ(p.frame(), data);
    EXPECT_TRUE(p.entry & kWritable);
    EXPECT_FALSE(p.entry & kCopyOnWrite);
    EXPECT_EQ(m.frames.free_frames(), free_before);
}

TEST_F(CowTest, WriteToReadOnlyTextIsFatal) {
    ASSERT_TRUE(parent.clone_user_cow(child).ok());
    EXPECT_EQ(handle_user_fault(child, areas, kText, kWriteFault), FaultResult::Fatal);
    EXPECT_EQ(m.frames.count(text), 2);
}

TEST_F(CowTest, DestroyingBothGivesEveryFrameBack) {
    ASSERT_TRUE(parent.clone_user_cow(child).ok());
    EXPECT_EQ(handle_user_fault(child, areas, kStack, kWriteFault), FaultResult::Resolved);
    EXPECT_TRUE(parent.destroy().ok());
    EXPECT_TRUE(child.destroy().ok());
    EXPECT_EQ(m.frames.free_frames(), free_at_start);
    EXPECT_TRUE(m.tables.empty());
}

TEST_F(CowTest, CloneIntoAnUncreatedOrLoadedChildIsRefused) {
    Space none = space();
    EXPECT_EQ(parent.clone_user_cow(none).error(), Error::BadAddress);
    child.activate();
    EXPECT_EQ(parent.clone_user_cow(child).error(), Error::BadAddress);
}

// Out of frames half-way: the child is destroyed and nothing leaks.
class CowSmallTest : public MmTest {
  protected:
    CowSmallTest() : MmTest(16 * kPageSize) {}
};

TEST_F(CowSmallTest, OutOfMemoryLeavesNothingBehind) {
    Space parent = space(), child = space();
    ASSERT_TRUE(parent.create().ok());
    ASSERT_TRUE(child.create().ok());
    // Two separate subtrees so the clone needs 6 tables; leave fewer free frames than that.
    ASSERT_TRUE(parent.map(0x400000, frame(), kUser | kWritable).ok());
    ASSERT_TRUE(parent.map(0x7ffffff000ull, frame(), kUser | kWritable).ok());
    while (m.frames.free_frames() > 4)
        (void)m.frames.alloc();
    const uint64_t free_before = m.frames.free_frames();
    EXPECT_EQ(parent.clone_user_cow(child).error(), Error::NoMemory);
    EXPECT_EQ(m.calls.lazy_on, m.calls.lazy_off);
    EXPECT_TRUE(child.destroy().ok());
    EXPECT_EQ(m.frames.free_frames(), free_before + 1); // and the child's PML4
    EXPECT_EQ(m.frames.count(parent.lookup(0x400000).frame()), 1);
    EXPECT_EQ(m.frames.count(parent.lookup(0x7ffffff000ull).frame()), 1);
}

} // namespace
} // namespace kernel::mm::test
