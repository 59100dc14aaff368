// FrameAllocator: carving its per-frame words, bump and free-list order, exhaustion, counts.
#include "mm/frame_allocator.hpp"

#include <cstdlib>
#include <cstring>
#include <gtest/gtest.h>
#include <vector>

namespace kernel::mm {
namespace {

constexpr uint64_t kBase = 2ull << 20;

// Host memory standing in for physical [kBase, kBase + bytes).
class Ram {
  public:
    explicit Ram(uint64_t bytes)
        : mem_(static_cast<uint8_t*>(std::aligned_alloc(kPageSize, bytes))) {
        std::memset(mem_, 0xa5, bytes);
    }
    ~Ram() { std::free(mem_); }
    uint64_t offset() const { return reinterpret_cast<uint64_t>(mem_) - kBase; }

  private:
    uint8_t* mem_;
};

TEST(FrameAllocator, CarvesItsWordsFromTheFirstRangeAndCountsTheRest) {
    Ram ram(1ull << 20); // words for frames 0 .. 3 MiB: 1.5 KiB, one page
    FrameAllocator f;
    const PhysRange r{kBase, kBase + (1ull << 20)};
    ASSERT_TRUE(f.init(ram.offset(), &r, 1).ok());
    EXPECT_EQ(f.free_frames(), 255u);
    const Result<PhysAddr> a = f.alloc();
    ASSERT_TRUE(a.ok());
    EXPECT_EQ(a.value().value, kBase + kPageSize); // the first page holds the words
    EXPECT_EQ(f.count(a.value()), 1);
    EXPECT_TRUE(f.owns(a.value()));
    EXPECT_FALSE(f.owns(PhysAddr{kBase + (1ull << 20)}));
}

TEST(FrameAllocator, BumpsInAddressOrderAcrossRanges) {
    Ram ram(64 * kPageSize);
    FrameAllocator f;
    // The words take the first range's only page; allocation continues in the next range.
    const PhysRange r[] = {{kBase, kBase + kPageSize},
                           {kBase + 8 * kPageSize, kBase + 10 * kPageSize},
                           {kBase + 20 * kPageSize, kBase + 22 * kPageSize}};
    ASSERT_TRUE(f.init(ram.offset(), r, 3).ok());
    EXPECT_EQ(f.free_frames(), 4u);
    std::vector<uint64_t> got;
    for (;;) {
        const Result<PhysAddr> a = f.alloc();
        if (!a.ok()) {
            EXPECT_EQ(a.error(), Error::NoMemory);
            break;
        }
        got.push_back(a.value().value - kBase);
    }
    EXPECT_EQ(
        got, (std::vector<uint64_t>{8 * kPageSize, 9 * kPageSize, 20 * kPageSize, 21 * kPageSize}));
    EXPECT_EQ(f.free_frames(), 0u);
}

TEST(FrameAllocator, ExhaustionThenFreedFramesComeBackLastInFirstOut) {
    Ram ram(16 * kPageSize);
    FrameAllocator f;
    const PhysRange r{kBase, kBase + 16 * kPageSize};
    ASSERT_TRUE(f.init(ram.offset(), &r, 1).ok());
    std::vector<PhysAddr> all;
    for (Result<PhysAddr> a = f.alloc(); a.ok(); a = f.alloc())
        all.push_back(a.value());
    ASSERT_EQ(all.size(), 15u);
    EXPECT_FALSE(f.alloc().ok());
    f.free(all[3]);
    f.free(all[7]);
    EXPECT_EQ(f.free_frames(), 2u);
    EXPECT_EQ(f.alloc().value(), all[7]);
    EXPECT_EQ(f.alloc().value(), all[3]);
    EXPECT_FALSE(f.alloc().ok());
}

TEST(FrameAllocator, ZeroFillOnRequestOnly) {
    Ram ram(16 * kPageSize);
    FrameAllocator f;
    const PhysRange r{kBase, kBase + 16 * kPageSize};
    ASSERT_TRUE(f.init(ram.offset(), &r, 1).ok());
    const PhysAddr a = f.alloc().value();
    const auto* bytes = static_cast<const uint8_t*>(f.virt(a));
    EXPECT_EQ(bytes[100], 0xa5); // untouched
    f.free(a);
    const PhysAddr b = f.alloc(Fill::Zero).value();
    ASSERT_EQ(b, a);
    for (unsigned i = 0; i < kPageSize; ++i)
        ASSERT_EQ(bytes[i], 0) << i;
}

TEST(FrameAllocator, ZeroedFramesAreKeptApartAndPreferredForZeroFill) {
    Ram ram(16 * kPageSize);
    FrameAllocator f;
    const PhysRange r{kBase, kBase + 16 * kPageSize};
    ASSERT_TRUE(f.init(ram.offset(), &r, 1).ok());
    const PhysAddr a = f.alloc().value(), b = f.alloc().value();
    std::memset(f.virt(a), 0, kPageSize);
    f.free_zeroed(a);
    f.free(b);
    EXPECT_EQ(f.alloc(Fill::Zero).value(), a);
    EXPECT_EQ(*static_cast<const uint64_t*>(f.virt(a)), 0u); // the list link is gone again
    f.free_zeroed(a);
    EXPECT_EQ(f.alloc().value(), b); // no zeroing asked for: a dirty frame first
    // Dirty list and bump exhausted: the zeroed frame serves any request.
    for (uint64_t n = f.free_frames(); n > 1; --n)
        EXPECT_NE(f.alloc().value(), a);
    EXPECT_EQ(f.alloc().value(), a);
    EXPECT_FALSE(f.alloc().ok());
}

TEST(FrameAllocator, AcceptsZeroedFramesBelowItsRanges) {
    Ram ram(16 * kPageSize);
    FrameAllocator f;
    // As the kernel's .bss tables lie below the RAM ranges.
    const PhysRange r{kBase + 4 * kPageSize, kBase + 16 * kPageSize};
    ASSERT_TRUE(f.init(ram.offset(), &r, 1).ok());
    const uint64_t before = f.free_frames();
    const PhysAddr low{kBase + kPageSize};
    std::memset(f.virt(low), 0, kPageSize);
    f.free_zeroed(low);
    EXPECT_EQ(f.free_frames(), before + 1);
    EXPECT_FALSE(f.owns(low));
    EXPECT_EQ(f.alloc(Fill::Zero).value(), low);
    f.table_summary(low) = 3; // its word exists
    EXPECT_EQ(f.table_summary(low), 3);
}

TEST(FrameAllocator, ReferenceCountsFreeOnTheLastUnref) {
    Ram ram(16 * kPageSize);
    FrameAllocator f;
    const PhysRange r{kBase, kBase + 16 * kPageSize};
    ASSERT_TRUE(f.init(ram.offset(), &r, 1).ok());
    const uint64_t start = f.free_frames();
    const PhysAddr a = f.alloc().value();
    EXPECT_TRUE(f.ref(a));
    EXPECT_TRUE(f.ref(a));
    EXPECT_EQ(f.count(a), 3);
    EXPECT_FALSE(f.unref(a));
    EXPECT_FALSE(f.unref(a));
    EXPECT_EQ(f.count(a), 1);
    EXPECT_EQ(f.free_frames(), start - 1);
    EXPECT_TRUE(f.unref(a));
    EXPECT_EQ(f.free_frames(), start);
}

TEST(FrameAllocator, ReferenceCountSaturates) {
    Ram ram(16 * kPageSize);
    FrameAllocator f;
    const PhysRange r{kBase, kBase + 16 * kPageSize};
    ASSERT_TRUE(f.init(ram.offset(), &r, 1).ok());
    const PhysAddr a = f.alloc().value();
    for (unsigned i = 1; i < FrameAllocator::kMaxRefs; ++i)
        ASSERT_TRUE(f.ref(a));
    EXPECT_FALSE(f.ref(a));
    EXPECT_EQ(f.count(a), FrameAllocator::kMaxRefs);
}

TEST(FrameAllocator, RejectsNoRangesAndRangesTooSmallForTheWords) {
    Ram ram(16 * kPageSize);
    FrameAllocator f;
    EXPECT_EQ(f.init(ram.offset(), nullptr, 0).error(), Error::NoMemory);
    // Only the words' page would fit: nothing left to hand out.
    const PhysRange one{kBase, kBase + kPageSize};
    EXPECT_EQ(f.init(ram.offset(), &one, 1).error(), Error::NoMemory);
}

} // namespace
} // namespace kernel::mm
