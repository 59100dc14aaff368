// usable_ranges / memory_top: from a PVH memory map to allocator ranges.
#include "mm/memory_map.hpp"

#include <gtest/gtest.h>
#include <vector>

namespace kernel::mm {
namespace {

constexpr uint64_t MiB = 1ull << 20;

std::vector<std::pair<uint64_t, uint64_t>>
ranges(const std::vector<MemmapEntry>& map, const std::vector<PhysRange>& holes = {},
       uint64_t floor = 2 * MiB, uint64_t ceiling = 1024 * MiB, unsigned max = 16) {
    const UsableRangesParams p{map.data(),   static_cast<unsigned>(map.size()),  floor, ceiling,
                               holes.data(), static_cast<unsigned>(holes.size())};
    std::vector<PhysRange> out(max);
    const unsigned n = usable_ranges(p, out.data(), max);
    std::vector<std::pair<uint64_t, uint64_t>> got;
    for (unsigned i = 0; i < n; ++i)
        got.emplace_back(out[i].start, out[i].end);
    return got;
}

using R = std::vector<std::pair<uint64_t, uint64_t>>;

TEST(MemoryMap, TypicalPcMapLosesLowMemoryAndTheKernel) {
    const std::vector<MemmapEntry> map = {{0, 0x9fc00, 1, 0},
                                          {0x9fc00, 0x400, 2, 0},
                                          {0xf0000, 0x10000, 2, 0},
                                          {MiB, 127 * MiB, 1, 0}};
    EXPECT_EQ(ranges(map, {{0, 0x311000}}), (R{{0x311000, 128 * MiB}}));
}

TEST(MemoryMap, ClipsToFloorAndCeilingAndShrinksToPages) {
    const std::vector<MemmapEntry> map = {{0x1000, 0x100000, 1, 0},
                                          {3 * MiB + 1, MiB, 1, 0},
                                          {1000 * MiB, 100 * MiB, 1, 0},
                                          {2000 * MiB, MiB, 1, 0}};
    EXPECT_EQ(ranges(map), (R{{3 * MiB + 0x1000, 4 * MiB}, {1000 * MiB, 1024 * MiB}}));
}

TEST(MemoryMap, HolesSplitTrimAndRemoveRanges) {
    const std::vector<MemmapEntry> map = {{4 * MiB, 4 * MiB, 1, 0}, {16 * MiB, MiB, 1, 0}};
    const std::vector<PhysRange> holes = {{5 * MiB + 10, 5 * MiB + 0x1800}, // split
                                          {7 * MiB, 9 * MiB},               // trim the end
                                          {15 * MiB, 18 * MiB}};            // remove
    EXPECT_EQ(ranges(map, holes), (R{{4 * MiB, 5 * MiB}, {5 * MiB + 0x2000, 7 * MiB}}));
}

TEST(MemoryMap, OverlappingAndUnsortedEntriesYieldEachFrameOnce) {
    const std::vector<MemmapEntry> map = {
        {8 * MiB, 4 * MiB, 1, 0}, {4 * MiB, 6 * MiB, 1, 0}, {5 * MiB, MiB, 1, 0}};
    EXPECT_EQ(ranges(map), (R{{4 * MiB, 10 * MiB}, {10 * MiB, 12 * MiB}}));
}

TEST(MemoryMap, WrappingEntrySaturatesAndNonRamIsIgnored) {
    const std::vector<MemmapEntry> map = {{4 * MiB, ~0ull, 1, 0}, {2 * MiB, MiB, 3, 0}};
    EXPECT_EQ(ranges(map), (R{{4 * MiB, 1024 * MiB}}));
}

TEST(MemoryMap, OutputLimitIsRespected) {
    std::vector<MemmapEntry> map;
    for (uint64_t i = 0; i < 8; ++i)
        map.push_back({(4 + 2 * i) * MiB, MiB, 1, 0});
    EXPECT_EQ(ranges(map, {}, 2 * MiB, 1024 * MiB, 3).size(), 3u);
    // A split with no room left drops the upper part rather than overflow.
    EXPECT_EQ(
        ranges({{4 * MiB, 2 * MiB, 1, 0}}, {{5 * MiB, 5 * MiB + 0x1000}}, 2 * MiB, 1024 * MiB, 1),
        (R{{4 * MiB, 5 * MiB}}));
}

TEST(MemoryMap, TopCoversFirmwareEntriesBelowTheCeiling) {
    const std::vector<MemmapEntry> map = {{MiB, 127 * MiB, 1, 0},
                                          {128 * MiB, MiB, 2, 0},
                                          {0xfeffc000, 0x4000, 2, 0},
                                          {1020 * MiB, 8 * MiB, 2, 0}};
    EXPECT_EQ(memory_top(map.data(), 2, 1024 * MiB), 129 * MiB);
    EXPECT_EQ(memory_top(map.data(), 3, 1024 * MiB), 129 * MiB);
    EXPECT_EQ(memory_top(map.data(), 4, 1024 * MiB), 1024 * MiB);
}

} // namespace
} // namespace kernel::mm
