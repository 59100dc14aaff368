// Port I/O dispatch: range registration, unclaimed ports, offsets seen by devices.
#include "devices/io_bus.hpp"

#include <cstdint>
#include <gtest/gtest.h>
#include <vector>

namespace vmm {
namespace {

// Records every access and answers reads with a value derived from offset and width.
class RecordingDevice final : public PortDevice {
  public:
    struct Access {
        bool is_write;
        std::uint16_t offset;
        unsigned width;
        std::uint32_t value;
    };
    std::uint32_t read(std::uint16_t offset, unsigned width) override {
        const std::uint32_t v = 0xab000000u | (std::uint32_t{offset} << 8) | width;
        log.push_back({false, offset, width, v});
        return v;
    }
    void write(std::uint16_t offset, unsigned width, std::uint32_t value) override {
        log.push_back({true, offset, width, value});
    }
    std::vector<Access> log;
};

TEST(IoBus, RejectsOverlappingRanges) {
    IoBus bus;
    RecordingDevice a, b;
    ASSERT_TRUE(bus.add(0x100, 0x10, &a).ok());
    EXPECT_FALSE(bus.add(0x100, 0x10, &b).ok());   // identical
    EXPECT_FALSE(bus.add(0x0f8, 0x09, &b).ok());   // covers the first port
    EXPECT_FALSE(bus.add(0x10f, 0x01, &b).ok());   // the last port
    EXPECT_FALSE(bus.add(0x104, 0x02, &b).ok());   // inside
    EXPECT_FALSE(bus.add(0x000, 0x1000, &b).ok()); // around
    EXPECT_TRUE(bus.add(0x0f8, 0x08, &b).ok());    // adjacent below
    EXPECT_TRUE(bus.add(0x110, 0x01, &b).ok());    // adjacent above
}

TEST(IoBus, ARefusedRangeSaysWhichRangeItOverlaps) {
    IoBus bus;
    RecordingDevice a, b;
    ASSERT_TRUE(bus.add(0x3f8, 8, &a).ok());
    const auto r = bus.add(0x3fc, 2, &b);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().message, "cannot register ports 0x3fc+2: overlaps ports 0x3f8+8");
}

TEST(IoBus, RejectsEmptyRangesNullDevicesAndWrapping) {
    IoBus bus;
    RecordingDevice d;
    EXPECT_FALSE(bus.add(0x100, 0, &d).ok());
    EXPECT_FALSE(bus.add(0x100, 1, nullptr).ok());
    EXPECT_FALSE(bus.add(0xfffe, 3, &d).ok());
    EXPECT_FALSE(bus.add(0xffff, 0xffff, &d).ok());
    EXPECT_TRUE(bus.add(0xffff, 1, &d).ok());
    std::uint32_t v = 0;
    EXPECT_TRUE(bus.read(0xffff, 1, v));
    EXPECT_FALSE(bus.read(0x0000, 1, v)) << "a range ending at 0xffff must not wrap to port 0";
}

TEST(IoBus, UnclaimedReadsAreAllOnesOfTheAccessWidth) {
    IoBus bus;
    RecordingDevice d;
    ASSERT_TRUE(bus.add(0x3f8, 8, &d).ok());
    struct Case {
        unsigned width;
        std::uint32_t value;
    };
    for (const Case c : {Case{1, 0xff}, Case{2, 0xffff}, Case{4, 0xffffffff}}) {
        std::uint32_t v = 0x12345678;
        EXPECT_FALSE(bus.read(0x400, c.width, v));
        EXPECT_EQ(v, c.value) << "width " << c.width;
    }
    EXPECT_FALSE(bus.write(0x3f7, 1, 0x55));
    EXPECT_TRUE(d.log.empty());
}

TEST(IoBus, DispatchesWithOffsetFromTheRangeBase) {
    IoBus bus;
    RecordingDevice low, high;
    ASSERT_TRUE(bus.add(0x3f8, 8, &high).ok());
    ASSERT_TRUE(bus.add(0x0f4, 4, &low).ok());

    std::uint32_t v = 0;
    ASSERT_TRUE(bus.read(0x3fa, 2, v));
    EXPECT_EQ(v, 0xab000202u);
    ASSERT_TRUE(bus.write(0x3ff, 1, 0x12));
    ASSERT_TRUE(bus.write(0x0f4, 4, 0xdeadbeef));

    ASSERT_EQ(high.log.size(), 2u);
    EXPECT_FALSE(high.log[0].is_write);
    EXPECT_EQ(high.log[0].offset, 2u);
    EXPECT_EQ(high.log[0].width, 2u);
    EXPECT_TRUE(high.log[1].is_write);
    EXPECT_EQ(high.log[1].offset, 7u);
    EXPECT_EQ(high.log[1].value, 0x12u);

    ASSERT_EQ(low.log.size(), 1u);
    EXPECT_EQ(low.log[0].offset, 0u);
    EXPECT_EQ(low.log[0].width, 4u);
    EXPECT_EQ(low.log[0].value, 0xdeadbeefu);
}

} // namespace
} // namespace vmm
