// MMIO dispatch by guest-physical range: registration rules and unclaimed addresses.
#include "devices/mmio_bus.hpp"

#include <cstdint>
#include <gtest/gtest.h>
#include <vector>

namespace vmm {
namespace {

class Recorder final : public MmioDevice {
  public:
    std::uint64_t read(std::uint64_t offset, unsigned width) override {
        return offset * 0x100 + width;
    }
    void write(std::uint64_t offset, unsigned width, std::uint64_t value) override {
        writes.push_back({offset, width, value});
    }
    struct Write {
        std::uint64_t offset;
        unsigned width;
        std::uint64_t value;
        bool operator==(const Write&) const = default;
    };
    std::vector<Write> writes;
};

TEST(MmioBus, DispatchesByRangeWithOffsets) {
    MmioBus bus;
    Recorder a, b;
    ASSERT_TRUE(bus.add(GuestPhysAddr(0xfeb00000), 0x200, &a).ok());
    ASSERT_TRUE(bus.add(GuestPhysAddr(0xfeb00200), 0x200, &b).ok());
    std::uint64_t v = 0;
    EXPECT_TRUE(bus.read(GuestPhysAddr(0xfeb00070), 4, v));
    EXPECT_EQ(v, 0x7004u);
    EXPECT_TRUE(bus.write(GuestPhysAddr(0xfeb00250), 4, 9));
    EXPECT_EQ(b.writes, (std::vector<Recorder::Write>{{0x50, 4, 9}}));
    EXPECT_TRUE(a.writes.empty());
}

TEST(MmioBus, UnclaimedReadsAllOnesAndDropsWrites) {
    MmioBus bus;
    Recorder a;
    ASSERT_TRUE(bus.add(GuestPhysAddr(0x1000), 0x10, &a).ok());
    std::uint64_t v = 0;
    EXPECT_FALSE(bus.read(GuestPhysAddr(0x2000), 4, v));
    EXPECT_EQ(v, ~std::uint64_t{0});
    EXPECT_FALSE(bus.read(GuestPhysAddr(0x100c), 8, v)) << "straddles the device's end";
    EXPECT_FALSE(bus.write(GuestPhysAddr(0x0fff), 2, 1)) << "straddles its start";
    EXPECT_TRUE(a.writes.empty());
}

TEST(MmioBus, RefusesEmptyWrappingAndOverlappingRanges) {
    MmioBus bus;
    Recorder a;
    EXPECT_FALSE(bus.add(GuestPhysAddr(0x1000), 0, &a).ok());
    EXPECT_FALSE(bus.add(GuestPhysAddr(0x1000), 0x10, nullptr).ok());
    EXPECT_FALSE(bus.add(GuestPhysAddr(~std::uint64_t{0} - 4), 0x10, &a).ok());
    ASSERT_TRUE(bus.add(GuestPhysAddr(0x1000), 0x100, &a).ok());
    EXPECT_FALSE(bus.add(GuestPhysAddr(0x10ff), 0x10, &a).ok());
    EXPECT_FALSE(bus.add(GuestPhysAddr(0x0f00), 0x101, &a).ok());
    EXPECT_TRUE(bus.add(GuestPhysAddr(0x1100), 0x10, &a).ok());
}

} // namespace
} // namespace vmm
