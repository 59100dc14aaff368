// The split-virtqueue parser against a hostile driver: every ring field is the guest's.
#include "devices/virtqueue.hpp"
#include "virtq_driver.hpp"

#include <cstdint>
#include <gtest/gtest.h>
#include <string>

namespace vmm {
namespace {

using test::VirtqDriver;
using namespace virtq;

constexpr std::uint64_t kBuf = VirtqDriver::kBuffers;

class VirtqueueTest : public ::testing::Test {
  protected:
    // The parser's error for the next chain, or "" if it parsed.
    std::string pop_error() {
        auto chain = queue_.pop();
        return chain ? "" : chain.error().message;
    }

    GuestMemory memory_ = test::make_memory();
    VirtqDriver driver_{memory_};
    Virtqueue queue_{memory_, driver_.layout()};
};

::testing::AssertionResult mentions(const std::string& error, const std::string& needle) {
    if (error.find(needle) != std::string::npos) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << "error '" << error << "' lacks '" << needle << "'";
}

TEST_F(VirtqueueTest, EmptyRingYieldsNothing) {
    auto chain = queue_.pop();
    ASSERT_TRUE(chain.ok());
    EXPECT_FALSE(chain.value().has_value());
}

TEST_F(VirtqueueTest, GoodChainComesOutInOrderWithDirections) {
    driver_.desc(3, kBuf, 16, kDescNext, 5);
    driver_.desc(5, kBuf + 512, 1024, kDescNext | kDescWrite, 1);
    driver_.desc(1, kBuf + 4096, 1, kDescWrite);
    driver_.offer(3);
    auto chain = queue_.pop();
    ASSERT_TRUE(chain.ok()) << chain.error().message;
    ASSERT_TRUE(chain.value().has_value());
    const DescChain& c = *chain.value();
    EXPECT_EQ(c.head, 3);
    ASSERT_EQ(c.buffers.size(), 3u);
    EXPECT_EQ(c.buffers[0].addr.raw(), kBuf);
    EXPECT_EQ(c.buffers[0].len, 16u);
    EXPECT_FALSE(c.buffers[0].device_writes);
    EXPECT_EQ(c.buffers[1].len, 1024u);
    EXPECT_TRUE(c.buffers[1].device_writes);
    EXPECT_TRUE(c.buffers[2].device_writes);
    auto next = queue_.pop();
    ASSERT_TRUE(next.ok());
    EXPECT_FALSE(next.value().has_value()) << "one entry was offered";
}

TEST_F(VirtqueueTest, PushPublishesUsedElementThenIndex) {
    driver_.desc(0, kBuf, 16, 0);
    driver_.offer(0);
    ASSERT_TRUE(queue_.pop().ok());
    ASSERT_TRUE(queue_.push(0, 513).ok());
    EXPECT_EQ(driver_.used_idx(), 1);
    EXPECT_EQ(driver_.used(0).id, 0u);
    EXPECT_EQ(driver_.used(0).len, 513u);
}

TEST_F(VirtqueueTest, IndicesWrapAtSixteenBits) {
    // A driver may start anywhere; the device follows from 0, so walk both past 65535.
    driver_.desc(0, kBuf, 16, 0);
    for (unsigned i = 0; i < 65536 + 3; ++i) {
        driver_.offer(0);
        auto chain = queue_.pop();
        ASSERT_TRUE(chain.ok() && chain.value().has_value()) << "entry " << i;
        ASSERT_TRUE(queue_.push(0, 0).ok());
    }
    EXPECT_EQ(driver_.used_idx(), 3) << "65539 mod 65536";
    driver_.set_avail_idx(static_cast<std::uint16_t>(3 + 8)); // a full queue across the wrap
    for (unsigned i = 0; i < 8; ++i)
        EXPECT_EQ(pop_error(), "") << i;
}

TEST_F(VirtqueueTest, MoreEntriesThanTheQueueHoldsAreRefused) {
    driver_.set_avail_idx(9); // queue of 8
    EXPECT_TRUE(mentions(pop_error(), "9 entries ahead"));
    driver_.set_avail_idx(0xffff); // "behind" is a huge lead in 16-bit arithmetic
    EXPECT_TRUE(mentions(pop_error(), "entries ahead"));
}

TEST_F(VirtqueueTest, HeadOutOfRangeIsRefused) {
    driver_.offer(8);
    EXPECT_TRUE(mentions(pop_error(), "names descriptor 8 of a queue of 8"));
}

TEST_F(VirtqueueTest, NextOutOfRangeIsRefused) {
    driver_.desc(0, kBuf, 16, kDescNext, 200);
    driver_.offer(0);
    EXPECT_TRUE(mentions(pop_error(), "links to 200"));
}

TEST_F(VirtqueueTest, LoopIsRefused) {
    driver_.desc(0, kBuf, 16, kDescNext, 1);
    driver_.desc(1, kBuf, 16, kDescNext, 0);
    driver_.offer(0);
    EXPECT_TRUE(mentions(pop_error(), "longer than the queue"));
}

TEST_F(VirtqueueTest, SelfLoopIsRefused) {
    driver_.desc(2, kBuf, 16, kDescNext, 2);
    driver_.offer(2);
    EXPECT_TRUE(mentions(pop_error(), "longer than the queue"));
}

TEST_F(VirtqueueTest, ChainOfTheWholeQueueIsAcceptedOneMoreIsNot) {
    for (std::uint16_t i = 0; i < 7; ++i)
        driver_.desc(i, kBuf, 16, kDescNext, static_cast<std::uint16_t>(i + 1));
    driver_.desc(7, kBuf, 16, 0);
    driver_.offer(0);
    EXPECT_EQ(pop_error(), "");
    driver_.desc(7, kBuf, 16, kDescNext, 0); // now it closes on itself
    driver_.offer(0);
    EXPECT_TRUE(mentions(pop_error(), "longer than the queue"));
}

TEST_F(VirtqueueTest, BufferOutsideGuestMemoryIsRefused) {
    driver_.desc(0, GuestMemory::kMinSize - 8, 16, 0); // runs past the end of RAM
    driver_.offer(0);
    EXPECT_TRUE(mentions(pop_error(), "outside guest memory"));
}

TEST_F(VirtqueueTest, BufferThatWrapsTheAddressSpaceIsRefused) {
    driver_.desc(0, ~std::uint64_t{0} - 15, 32, 0);
    driver_.offer(0);
    EXPECT_TRUE(mentions(pop_error(), "outside guest memory"));
}

TEST_F(VirtqueueTest, BufferInTheLegacyHoleIsRefused) {
    driver_.desc(0, GuestMemory::kLowRamEnd - 8, 16, 0); // crosses into the hole
    driver_.offer(0);
    EXPECT_TRUE(mentions(pop_error(), "outside guest memory"));
}

TEST_F(VirtqueueTest, DeviceWritableBufferInTheRomWindowIsRefused) {
    driver_.desc(0, GuestMemory::kRomWindowBase, 16, kDescWrite);
    driver_.offer(0);
    EXPECT_TRUE(mentions(pop_error(), "read-only"));
}

TEST_F(VirtqueueTest, ReadableAfterWritableIsRefused) {
    driver_.desc(0, kBuf, 1, kDescWrite | kDescNext, 1);
    driver_.desc(1, kBuf, 16, 0);
    driver_.offer(0);
    EXPECT_TRUE(mentions(pop_error(), "device-readable after a device-writable"));
}

TEST_F(VirtqueueTest, IndirectDescriptorsAreRefused) {
    driver_.desc(0, kBuf, 16, kDescIndirect);
    driver_.offer(0);
    EXPECT_TRUE(mentions(pop_error(), "indirect"));
}

TEST_F(VirtqueueTest, NoInterruptFlagIsReported) {
    auto off = queue_.interrupt_suppressed();
    ASSERT_TRUE(off.ok());
    EXPECT_FALSE(off.value());
    driver_.set_avail_flags(kAvailNoInterrupt);
    EXPECT_TRUE(queue_.interrupt_suppressed().value());
}

struct LayoutCase {
    const char* name;
    QueueLayout layout;
    const char* error; // nullptr: valid
};

TEST(QueueLayout, SizeAlignmentAndPlacementAreChecked) {
    GuestMemory memory = test::make_memory();
    const GuestPhysAddr d(0x10000), a(0x11000), u(0x12000);
    const LayoutCase cases[] = {
        {"good", {256, d, a, u}, nullptr},
        {"size 1", {1, d, a, u}, nullptr},
        {"size 0", {0, d, a, u}, "not a power of two"},
        {"size 3", {3, d, a, u}, "not a power of two"},
        {"above max", {512, d, a, u}, "not a power of two from 1 to 256"},
        {"desc misaligned", {8, GuestPhysAddr(0x10008), a, u}, "not aligned to 16"},
        {"avail misaligned", {8, d, GuestPhysAddr(0x11001), u}, "not aligned to 2"},
        {"used misaligned", {8, d, a, GuestPhysAddr(0x12002)}, "not aligned to 4"},
        {"desc beyond RAM", {8, GuestPhysAddr(GuestMemory::kMinSize - 64), a, u}, "outside"},
        {"used wraps", {8, d, a, GuestPhysAddr(~std::uint64_t{0} - 3)}, "outside"},
        {"used in ROM", {8, d, a, GuestPhysAddr(GuestMemory::kRomWindowBase)}, "read-only"},
    };
    for (const auto& c : cases) {
        auto r = check_queue_layout(memory, c.layout, 256);
        if (!c.error) {
            EXPECT_TRUE(r.ok()) << c.name << ": " << r.error().message;
        } else {
            ASSERT_FALSE(r.ok()) << c.name;
            EXPECT_TRUE(mentions(r.error().message, c.error)) << c.name;
        }
    }
}

} // namespace
} // namespace vmm
