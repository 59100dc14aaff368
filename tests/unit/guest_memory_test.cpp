// Guest memory bounds checks, including hostile addresses and lengths from an untrusted guest.
#include "memory/guest_memory.hpp"

#include <cstdint>
#include <cstring>
#include <gtest/gtest.h>
#include <limits>
#include <optional>
#include <string>

namespace vmm {
namespace {

constexpr std::uint64_t kMax64 = std::numeric_limits<std::uint64_t>::max();
constexpr std::uint64_t kLowEnd = GuestMemory::kLowRamEnd;
constexpr std::uint64_t kHighBase = GuestMemory::kHighRamBase;
constexpr std::uint64_t kRomBase = GuestMemory::kRomWindowBase;
constexpr std::uint64_t kRomEnd = GuestMemory::kRomWindowBase + GuestMemory::kRomWindowSize;

TEST(GuestMemoryCreate, RejectsSizesOutsideTheSupportedRange) {
    for (std::uint64_t size : {std::uint64_t{0}, std::uint64_t{4096}, GuestMemory::kMinSize - 4096,
                               GuestMemory::kMaxSize + 4096, std::uint64_t{100} << 30, kMax64}) {
        auto m = GuestMemory::create(size);
        ASSERT_FALSE(m) << "size " << size;
        EXPECT_EQ(m.error().kind, ErrorKind::Usage);
        EXPECT_NE(m.error().message.find("outside the supported range"), std::string::npos)
            << m.error().message;
    }
}

TEST(GuestMemoryCreate, RejectsSizesNotAMultipleOfAPage) {
    for (std::uint64_t size :
         {GuestMemory::kMinSize + 1, GuestMemory::kMinSize + 2048, (std::uint64_t{5} << 20) + 1}) {
        auto m = GuestMemory::create(size);
        ASSERT_FALSE(m) << "size " << size;
        EXPECT_EQ(m.error().kind, ErrorKind::Usage);
        EXPECT_NE(m.error().message.find("multiple of 4 KiB"), std::string::npos)
            << m.error().message;
    }
}

TEST(GuestMemoryCreate, AcceptsBothEndsOfTheRange) {
    for (std::uint64_t size : {GuestMemory::kMinSize, GuestMemory::kMaxSize}) {
        auto m = GuestMemory::create(size);
        ASSERT_TRUE(m) << m.error().message;
        EXPECT_EQ(m.value().size(), size);
    }
}

TEST(GuestMemoryCreate, LaysOutLowRamRomWindowAndHighRam) {
    const std::uint64_t size = 8ull << 20;
    auto m = GuestMemory::create(size);
    ASSERT_TRUE(m) << m.error().message;
    const auto& regions = m.value().regions();
    ASSERT_EQ(regions.size(), 3u);
    EXPECT_EQ(regions[0].base.raw(), 0u);
    EXPECT_EQ(regions[0].size, kLowEnd);
    EXPECT_FALSE(regions[0].readonly);
    EXPECT_EQ(regions[1].base.raw(), kRomBase);
    EXPECT_EQ(regions[1].size, GuestMemory::kRomWindowSize);
    EXPECT_TRUE(regions[1].readonly);
    EXPECT_EQ(regions[2].base.raw(), kHighBase);
    EXPECT_EQ(regions[2].size, size - kHighBase);
    EXPECT_FALSE(regions[2].readonly);
    // RAM is one host mapping: guest offsets map 1:1 onto host offsets.
    EXPECT_EQ(regions[2].host - regions[0].host, static_cast<std::ptrdiff_t>(kHighBase));
    // The window lies inside the legacy hole, clear of both RAM regions.
    EXPECT_GE(kRomBase, kLowEnd);
    EXPECT_LE(kRomEnd, kHighBase);
}

class GuestMemoryTest : public ::testing::Test {
  protected:
    static constexpr std::uint64_t kSize = 4ull << 20;

    void SetUp() override {
        auto m = GuestMemory::create(kSize);
        ASSERT_TRUE(m) << m.error().message;
        memory_.emplace(std::move(m).value());
    }
    GuestMemory& mem() { return *memory_; }
    bool contains(std::uint64_t gpa, std::uint64_t len) {
        return mem().contains(GuestPhysAddr(gpa), len);
    }

    std::optional<GuestMemory> memory_;
};

TEST_F(GuestMemoryTest, ContainsWholeRegions) {
    EXPECT_TRUE(contains(0, kLowEnd));
    EXPECT_TRUE(contains(kHighBase, kSize - kHighBase));
    EXPECT_TRUE(contains(0, 1));
    EXPECT_TRUE(contains(kLowEnd - 1, 1));
    EXPECT_TRUE(contains(kHighBase, 1));
    EXPECT_TRUE(contains(kSize - 1, 1));
}

TEST_F(GuestMemoryTest, RejectsRangesOneByteTooLong) {
    EXPECT_FALSE(contains(0, kLowEnd + 1));
    EXPECT_FALSE(contains(kHighBase, kSize - kHighBase + 1));
    EXPECT_FALSE(contains(kSize - 1, 2));
    EXPECT_FALSE(contains(kSize, 1));
}

TEST_F(GuestMemoryTest, EmptyRangeAtTheEndOfARegionIsInside) {
    EXPECT_TRUE(contains(kLowEnd, 0));
    EXPECT_TRUE(contains(kSize, 0));
    EXPECT_TRUE(contains(kHighBase, 0));
    // ... but not one that starts beyond a region end.
    EXPECT_FALSE(contains(kLowEnd + 1, 0));
    EXPECT_FALSE(contains(kSize + 1, 0));
    EXPECT_FALSE(contains(kHighBase - 1, 0));
}

TEST_F(GuestMemoryTest, RejectsTheLegacyHoleAroundTheRomWindow) {
    EXPECT_FALSE(contains(kLowEnd, 1));
    EXPECT_FALSE(contains(kRomBase - 1, 1));
    EXPECT_FALSE(contains(kRomEnd, 1));
    EXPECT_FALSE(contains(kHighBase - 1, 1));
    EXPECT_TRUE(contains(kRomBase, GuestMemory::kRomWindowSize));
}

TEST_F(GuestMemoryTest, RejectsRangesStraddlingTheHole) {
    EXPECT_FALSE(contains(kLowEnd - 1, 2));
    EXPECT_FALSE(contains(kRomBase - 1, 2));
    EXPECT_FALSE(contains(kRomEnd - 1, 2));
    EXPECT_FALSE(contains(kHighBase - 1, 2));
    EXPECT_FALSE(contains(0, kHighBase + 1));
    EXPECT_FALSE(contains(kLowEnd - 0x1000, kHighBase - kLowEnd + 0x2000));
    EXPECT_FALSE(contains(kRomBase, kHighBase - kRomBase + 1));
}

TEST_F(GuestMemoryTest, RomWindowIsReadOnlyForTheGuest) {
    auto window = mem().rom_window();
    ASSERT_EQ(window.size(), GuestMemory::kRomWindowSize);
    window[0] = 0x55;
    window[window.size() - 1] = 0xaa;

    std::uint8_t first = 0, last = 0;
    ASSERT_TRUE(mem().read(GuestPhysAddr(kRomBase), std::span(&first, 1)));
    ASSERT_TRUE(mem().read(GuestPhysAddr(kRomEnd - 1), std::span(&last, 1)));
    EXPECT_EQ(first, 0x55);
    EXPECT_EQ(last, 0xaa);

    const std::uint8_t byte = 0;
    for (std::uint64_t gpa : {kRomBase, kRomEnd - 1}) {
        auto w = mem().write(GuestPhysAddr(gpa), std::span(&byte, 1));
        ASSERT_FALSE(w) << "gpa " << gpa;
        EXPECT_EQ(w.error().kind, ErrorKind::GuestAccess);
        EXPECT_NE(w.error().message.find("read-only"), std::string::npos) << w.error().message;
    }
    EXPECT_EQ(window[0], 0x55);
    EXPECT_EQ(window[window.size() - 1], 0xaa);
}

TEST_F(GuestMemoryTest, RejectsHostileAddressesAndLengths) {
    EXPECT_FALSE(contains(kMax64, 1));
    EXPECT_FALSE(contains(kMax64, 0));
    EXPECT_FALSE(contains(kMax64 - 0xfff, 0x2000)); // gpa + len wraps to a small address
    EXPECT_FALSE(contains(kMax64 - kSize + 1, kSize));
    EXPECT_FALSE(contains(0, kMax64));
    EXPECT_FALSE(contains(1, kMax64));
    EXPECT_FALSE(contains(kHighBase, kMax64));
    EXPECT_FALSE(contains(kHighBase + 0x1000, kMax64 - 0xfff)); // offset + len wraps to 0
    EXPECT_FALSE(contains(kSize, kMax64));
}

TEST_F(GuestMemoryTest, SpanOutsideMemoryIsAGuestAccessError) {
    auto s = mem().span(GuestPhysAddr(kMax64 - 7), 16);
    ASSERT_FALSE(s);
    EXPECT_EQ(s.error().kind, ErrorKind::GuestAccess);
    EXPECT_NE(s.error().message.find("0xfffffffffffffff8+0x10"), std::string::npos)
        << s.error().message;
    EXPECT_NE(s.error().message.find("outside guest memory"), std::string::npos);
}

TEST_F(GuestMemoryTest, SpanPointsAtTheRightHostBytes) {
    auto low = mem().span(GuestPhysAddr(0x1234), 4);
    auto high = mem().span(GuestPhysAddr(kHighBase + 0x5678), 4);
    ASSERT_TRUE(low);
    ASSERT_TRUE(high);
    EXPECT_EQ(high.value().data() - low.value().data(),
              static_cast<std::ptrdiff_t>(kHighBase + 0x5678 - 0x1234));
    EXPECT_EQ(low.value().size(), 4u);
}

TEST_F(GuestMemoryTest, WriteThenReadRoundTrips) {
    const std::uint8_t in[] = {1, 2, 3, 4, 5, 6, 7, 8};
    for (std::uint64_t gpa :
         {std::uint64_t{0}, kLowEnd - sizeof in, kHighBase, kSize - sizeof in}) {
        ASSERT_TRUE(mem().write(GuestPhysAddr(gpa), in)) << "gpa " << gpa;
        std::uint8_t out[sizeof in] = {};
        ASSERT_TRUE(mem().read(GuestPhysAddr(gpa), out)) << "gpa " << gpa;
        EXPECT_EQ(0, std::memcmp(in, out, sizeof in)) << "gpa " << gpa;
    }
}

TEST_F(GuestMemoryTest, FailedWriteChangesNothing) {
    const std::uint8_t before = 0x5a;
    ASSERT_TRUE(mem().write(GuestPhysAddr(kLowEnd - 1), std::span(&before, 1)));
    const std::uint8_t in[] = {1, 2};
    auto r = mem().write(GuestPhysAddr(kLowEnd - 1), in);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().kind, ErrorKind::GuestAccess);
    std::uint8_t after = 0;
    ASSERT_TRUE(mem().read(GuestPhysAddr(kLowEnd - 1), std::span(&after, 1)));
    EXPECT_EQ(after, before);
}

TEST_F(GuestMemoryTest, EmptyReadsAndWritesAtTheEnd) {
    EXPECT_TRUE(mem().write(GuestPhysAddr(kSize), {}));
    EXPECT_TRUE(mem().read(GuestPhysAddr(kSize), {}));
    EXPECT_FALSE(mem().read(GuestPhysAddr(kMax64), {}));
}

struct Record {
    std::uint32_t tag;
    std::uint32_t pad;
    std::uint64_t value;
};

TEST_F(GuestMemoryTest, ReadObjReturnsWhatWriteObjStored) {
    const Record in{0xfeedface, 0, 0x0123456789abcdef};
    const GuestPhysAddr at(kSize - sizeof(Record)); // exactly at the end of RAM
    ASSERT_TRUE(mem().write_obj(at, in));
    auto out = mem().read_obj<Record>(at);
    ASSERT_TRUE(out) << out.error().message;
    EXPECT_EQ(out.value().tag, in.tag);
    EXPECT_EQ(out.value().value, in.value);
}

TEST_F(GuestMemoryTest, ObjectsMayNotCrossTheEndOrTheHole) {
    const Record in{1, 0, 2};
    for (std::uint64_t gpa :
         {kSize - sizeof(Record) + 1, kLowEnd - sizeof(Record) + 1, kHighBase - 4, kMax64 - 3}) {
        auto w = mem().write_obj(GuestPhysAddr(gpa), in);
        ASSERT_FALSE(w) << "gpa " << gpa;
        EXPECT_EQ(w.error().kind, ErrorKind::GuestAccess);
        auto r = mem().read_obj<Record>(GuestPhysAddr(gpa));
        ASSERT_FALSE(r) << "gpa " << gpa;
        EXPECT_EQ(r.error().kind, ErrorKind::GuestAccess);
    }
}

TEST_F(GuestMemoryTest, MoveTransfersTheMapping) {
    ASSERT_TRUE(mem().write_obj(GuestPhysAddr(kHighBase), std::uint32_t{0xabcd}));
    GuestMemory moved = std::move(mem());
    EXPECT_EQ(moved.size(), kSize);
    auto v = moved.read_obj<std::uint32_t>(GuestPhysAddr(kHighBase));
    ASSERT_TRUE(v);
    EXPECT_EQ(v.value(), 0xabcdu);
    // The moved-from object owns nothing and must refuse every access.
    EXPECT_EQ(mem().size(), 0u);
    EXPECT_FALSE(contains(0, 1));
    EXPECT_FALSE(contains(kHighBase, 1));
}

} // namespace
} // namespace vmm
