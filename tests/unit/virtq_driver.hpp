// The driver's side of a split virtqueue in a test's guest memory: writes descriptors and
// available entries as a guest would, and reads back what the device put in the used ring.
#pragma once

#include "devices/virtqueue.hpp"
#include "memory/guest_memory.hpp"

#include <cstdint>
#include <gtest/gtest.h>

namespace vmm::test {

class VirtqDriver {
  public:
    static constexpr std::uint64_t kDesc = 0x10000;
    static constexpr std::uint64_t kAvail = 0x11000;
    static constexpr std::uint64_t kUsed = 0x12000;
    static constexpr std::uint64_t kBuffers = 0x20000; // free for request data

    explicit VirtqDriver(GuestMemory& memory, std::uint32_t size = 8)
        : memory_(memory), layout_{size, GuestPhysAddr(kDesc), GuestPhysAddr(kAvail),
                                   GuestPhysAddr(kUsed)} {}

    const QueueLayout& layout() const { return layout_; }

    void desc(std::uint16_t index, std::uint64_t addr, std::uint32_t len, std::uint16_t flags,
              std::uint16_t next = 0) {
        const virtq::Desc d{addr, len, flags, next};
        EXPECT_TRUE(memory_.write_obj(GuestPhysAddr(kDesc + 16u * index), d).ok());
    }
    // Makes chain `head` available and publishes the new index.
    void offer(std::uint16_t head) {
        put16(kAvail + 4 + 2u * (avail_idx_ % layout_.size), head);
        set_avail_idx(static_cast<std::uint16_t>(avail_idx_ + 1));
    }
    void set_avail_idx(std::uint16_t idx) {
        avail_idx_ = idx;
        put16(kAvail + 2, idx);
    }
    void set_avail_flags(std::uint16_t flags) { put16(kAvail, flags); }

    std::uint16_t used_idx() { return get16(kUsed + 2); }
    virtq::UsedElem used(std::uint16_t slot) {
        auto e = memory_.read_obj<virtq::UsedElem>(GuestPhysAddr(kUsed + 4 + 8u * slot));
        EXPECT_TRUE(e.ok());
        return e.ok() ? e.value() : virtq::UsedElem{};
    }

  private:
    void put16(std::uint64_t addr, std::uint16_t v) {
        EXPECT_TRUE(memory_.write_obj(GuestPhysAddr(addr), v).ok());
    }
    std::uint16_t get16(std::uint64_t addr) {
        auto v = memory_.read_obj<std::uint16_t>(GuestPhysAddr(addr));
        EXPECT_TRUE(v.ok());
        return v.ok() ? v.value() : 0;
    }

    GuestMemory& memory_;
    QueueLayout layout_;
    std::uint16_t avail_idx_ = 0;
};

inline GuestMemory make_memory() {
    auto m = GuestMemory::create(GuestMemory::kMinSize);
    EXPECT_TRUE(m.ok());
    return std::move(m).value();
}

} // namespace vmm::test
