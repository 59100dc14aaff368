// isa-debug-exit semantics: the guest's first status is the one that counts.
#include "devices/debug_exit.hpp"
#include "devices/io_bus.hpp"

#include <gtest/gtest.h>

namespace vmm {
namespace {

TEST(DebugExit, NoStatusUntilWritten) {
    DebugExit dev;
    EXPECT_FALSE(dev.status().has_value());
    EXPECT_EQ(dev.read(0, 1), 0u);
    EXPECT_FALSE(dev.status().has_value()) << "reads must not set a status";
}

TEST(DebugExit, FirstWriteWins) {
    DebugExit dev;
    dev.write(0, 1, 3);
    dev.write(0, 1, 5);
    ASSERT_TRUE(dev.status().has_value());
    EXPECT_EQ(*dev.status(), 3u);
}

TEST(DebugExit, ZeroIsAStatus) {
    DebugExit dev;
    dev.write(0, 1, 0);
    dev.write(0, 1, 7);
    ASSERT_TRUE(dev.status().has_value());
    EXPECT_EQ(*dev.status(), 0u);
}

TEST(DebugExit, KeepsWideValuesForTheCallerToJudge) {
    DebugExit dev;
    dev.write(0, 4, 0x1234);
    ASSERT_TRUE(dev.status().has_value());
    EXPECT_EQ(*dev.status(), 0x1234u);
}

TEST(DebugExit, ReachableThroughTheBusAtItsPort) {
    IoBus bus;
    DebugExit dev;
    ASSERT_TRUE(bus.add(DebugExit::kPort, DebugExit::kPortCount, &dev).ok());
    ASSERT_TRUE(bus.write(0xf4, 1, 42));
    ASSERT_TRUE(bus.write(0xf4, 1, 1));
    ASSERT_TRUE(dev.status().has_value());
    EXPECT_EQ(*dev.status(), 42u);
}

} // namespace
} // namespace vmm
