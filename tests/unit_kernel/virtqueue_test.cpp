// The split virtqueue's driver-side bookkeeping (guest/kernel/virtio/virtqueue.hpp) against a
// simulated device that reads the rings as virtio 1.2 §2.7 lays them out and completes chains in
// any order.
#include "virtio/virtqueue.hpp"

#include <cstring>
#include <gtest/gtest.h>
#include <vector>

namespace kernel::virtio {
namespace {

// The device's view of the ring memory (host pointers stand for physical addresses).
struct FakeDevice {
    uint8_t* mem;
    uint16_t size;
    uint16_t next_avail = 0;
    uint16_t used_idx = 0;

    VirtqDesc* desc() { return reinterpret_cast<VirtqDesc*>(mem); }
    uint16_t* avail() { return reinterpret_cast<uint16_t*>(mem + Virtqueue::avail_offset(size)); }
    uint16_t* used() { return reinterpret_cast<uint16_t*>(mem + Virtqueue::used_offset(size)); }

    // Heads the driver has made available since the last call.
    std::vector<uint16_t> take_available() {
        std::vector<uint16_t> heads;
        for (; next_avail != avail()[1]; ++next_avail)
            heads.push_back(avail()[2 + next_avail % size]);
        return heads;
    }
    // The chain from `head`: its descriptors in order.
    std::vector<VirtqDesc> chain(uint16_t head) {
        std::vector<VirtqDesc> out;
        for (uint16_t i = head;; i = desc()[i].next) {
            out.push_back(desc()[i]);
            if (!(desc()[i].flags & kDescNext) || out.size() > size) break;
        }
        return out;
    }
    void complete(uint32_t head, uint32_t len) {
        auto* ring = reinterpret_cast<uint32_t*>(used() + 2);
        ring[2 * (used_idx % size)] = head;
        ring[2 * (used_idx % size) + 1] = len;
        used()[1] = ++used_idx;
    }
};

struct Ring {
    explicit Ring(uint16_t size) : mem(Virtqueue::bytes(size) + 16), dev{aligned(), size} {
        EXPECT_TRUE(q.init(aligned(), size));
    }
    uint8_t* aligned() {
        auto p = reinterpret_cast<uintptr_t>(mem.data());
        return reinterpret_cast<uint8_t*>((p + 15) & ~uintptr_t{15});
    }
    std::vector<uint8_t> mem;
    Virtqueue q;
    FakeDevice dev;
};

TEST(Virtqueue, LayoutFollowsTheSpecAlignment) {
    EXPECT_EQ(Virtqueue::avail_offset(32), 512u);
    EXPECT_EQ(Virtqueue::used_offset(32), 584u); // 512 + 6 + 64 = 582, to 4 bytes
    EXPECT_EQ(Virtqueue::bytes(32), 584u + 6 + 256);
    EXPECT_EQ(Virtqueue::used_offset(4) % 4, 0u);
    EXPECT_LE(Virtqueue::bytes(Virtqueue::kMaxSize), 4096u);
}

TEST(Virtqueue, RefusesBadSizesAndAlignment) {
    std::vector<uint8_t> mem(Virtqueue::bytes(64) + 32);
    auto* base =
        reinterpret_cast<uint8_t*>((reinterpret_cast<uintptr_t>(mem.data()) + 15) & ~uintptr_t{15});
    Virtqueue q;
    EXPECT_FALSE(q.init(base, 0));
    EXPECT_FALSE(q.init(base, 24));
    EXPECT_FALSE(q.init(base, 128));
    EXPECT_FALSE(q.init(base + 8, 16));
    EXPECT_TRUE(q.init(base, 64));
}

TEST(Virtqueue, ChainReachesTheDeviceAsSubmitted) {
    Ring r(8);
    uint8_t header[16], data[512], status = 0xff;
    const VirtqBuffer chain[] = {{reinterpret_cast<uint64_t>(header), 16, false},
                                 {reinterpret_cast<uint64_t>(data), 512, true},
                                 {reinterpret_cast<uint64_t>(&status), 1, true}};
    const uint16_t head = r.q.submit(chain, 3);
    ASSERT_NE(head, Virtqueue::kNoHead);
    EXPECT_EQ(r.q.free_descriptors(), 5u);
    const auto heads = r.dev.take_available();
    ASSERT_EQ(heads, std::vector<uint16_t>{head});
    const auto d = r.dev.chain(head);
    ASSERT_EQ(d.size(), 3u);
    EXPECT_EQ(d[0].addr, reinterpret_cast<uint64_t>(header));
    EXPECT_EQ(d[0].len, 16u);
    EXPECT_EQ(d[0].flags, kDescNext);
    EXPECT_EQ(d[1].len, 512u);
    EXPECT_EQ(d[1].flags, kDescNext | kDescWrite);
    EXPECT_EQ(d[2].flags, kDescWrite);

    VirtqUsedElem used;
    EXPECT_FALSE(r.q.next_used(&used));
    r.dev.complete(head, 513);
    ASSERT_TRUE(r.q.next_used(&used));
    EXPECT_EQ(used.id, head);
    EXPECT_EQ(used.len, 513u);
    EXPECT_EQ(r.q.free_descriptors(), 8u);
    EXPECT_FALSE(r.q.next_used(&used));
}

TEST(Virtqueue, FullTableRefusesAndOutOfOrderCompletionsFreeTheRightChains) {
    Ring r(8);
    uint8_t buf[4];
    const VirtqBuffer three[] = {{reinterpret_cast<uint64_t>(buf), 1, false},
                                 {reinterpret_cast<uint64_t>(buf + 1), 1, true},
                                 {reinterpret_cast<uint64_t>(buf + 2), 1, true}};
    const uint16_t a = r.q.submit(three, 3);
    const uint16_t b = r.q.submit(three, 3);
    EXPECT_EQ(r.q.submit(three, 3), Virtqueue::kNoHead); // 2 left
    const uint16_t c = r.q.submit(three, 2);
    ASSERT_NE(c, Virtqueue::kNoHead);
    EXPECT_EQ(r.q.free_descriptors(), 0u);
    EXPECT_EQ(r.q.submit(three, 1), Virtqueue::kNoHead);
    EXPECT_EQ(r.q.submit(three, 0), Virtqueue::kNoHead);
    EXPECT_EQ(r.dev.take_available(), (std::vector<uint16_t>{a, b, c}));

    r.dev.complete(b, 0);
    r.dev.complete(c, 0);
    VirtqUsedElem used;
    ASSERT_TRUE(r.q.next_used(&used));
    EXPECT_EQ(used.id, b);
    ASSERT_TRUE(r.q.next_used(&used));
    EXPECT_EQ(used.id, c);
    EXPECT_EQ(r.q.free_descriptors(), 5u);
    // The freed descriptors are reused, and no chain shares one with `a`, still outstanding.
    const uint16_t d = r.q.submit(three, 3);
    const uint16_t e = r.q.submit(three, 2);
    ASSERT_NE(d, Virtqueue::kNoHead);
    ASSERT_NE(e, Virtqueue::kNoHead);
    std::vector<bool> seen(8);
    for (uint16_t head : {a, d, e})
        for (uint16_t i = head;; i = r.dev.desc()[i].next) {
            EXPECT_FALSE(seen[i]) << "descriptor " << i << " in two chains";
            seen[i] = true;
            if (!(r.dev.desc()[i].flags & kDescNext)) break;
        }
    EXPECT_EQ(r.dev.take_available(), (std::vector<uint16_t>{d, e}));
}

TEST(Virtqueue, RingIndicesWrapAround) {
    Ring r(4);
    uint8_t buf[1];
    const VirtqBuffer one[] = {{reinterpret_cast<uint64_t>(buf), 1, true}};
    for (unsigned round = 0; round < 70000; ++round) {
        const uint16_t head = r.q.submit(one, 1);
        ASSERT_NE(head, Virtqueue::kNoHead);
        ASSERT_EQ(r.dev.take_available(), std::vector<uint16_t>{head});
        r.dev.complete(head, 1);
        VirtqUsedElem used;
        ASSERT_TRUE(r.q.next_used(&used));
        ASSERT_EQ(used.id, head);
    }
    EXPECT_EQ(r.q.free_descriptors(), 4u);
}

TEST(Virtqueue, UsedEntriesNamingNoOutstandingChainAreSkipped) {
    Ring r(4);
    uint8_t buf[1];
    const VirtqBuffer one[] = {{reinterpret_cast<uint64_t>(buf), 1, true}};
    const uint16_t head = r.q.submit(one, 1);
    r.dev.complete(7, 0);    // beyond the table
    r.dev.complete(head, 0); // the real one
    r.dev.complete(head, 0); // twice
    VirtqUsedElem used;
    ASSERT_TRUE(r.q.next_used(&used));
    EXPECT_EQ(used.id, head);
    EXPECT_FALSE(r.q.next_used(&used));
    EXPECT_EQ(r.q.bad_used(), 2u);
    EXPECT_EQ(r.q.free_descriptors(), 4u);
}

} // namespace
} // namespace kernel::virtio
