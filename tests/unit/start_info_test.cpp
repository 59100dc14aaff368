// PVH start info (Xen start_info.h, version 1) as written into guest memory.
#include "loader/start_info.hpp"

#include <algorithm>
#include <cstdint>
#include <gtest/gtest.h>
#include <optional>
#include <string>
#include <vector>

namespace vmm {
namespace {

GuestMemory make_memory(std::uint64_t size) {
    auto m = GuestMemory::create(size);
    EXPECT_TRUE(m) << m.error().message;
    return std::move(m).value();
}

std::string read_cstring(GuestMemory& mem, GuestPhysAddr at, std::size_t max) {
    std::string s;
    for (std::size_t i = 0; i < max; ++i) {
        auto c = mem.read_obj<char>(GuestPhysAddr(at.raw() + i));
        if (!c || c.value() == '\0') break;
        s.push_back(c.value());
    }
    return s;
}

bool disjoint(std::uint64_t a, std::uint64_t a_len, std::uint64_t b, std::uint64_t b_len) {
    return a + a_len <= b || b + b_len <= a;
}

class StartInfoLayout : public ::testing::TestWithParam<std::uint64_t> {};

TEST_P(StartInfoLayout, DescribesCmdlineAndMemory) {
    GuestMemory mem = make_memory(GetParam());
    const std::string cmdline = "console=ttyS0 vmi.test=1";
    auto where = write_start_info(mem, cmdline);
    ASSERT_TRUE(where) << where.error().message;

    auto info = mem.read_obj<HvmStartInfo>(where.value());
    ASSERT_TRUE(info);
    const HvmStartInfo& si = info.value();
    EXPECT_EQ(si.magic, 0x336ec578u); // XEN_HVM_START_MAGIC_VALUE
    EXPECT_EQ(si.version, 1u);
    EXPECT_EQ(si.nr_modules, 0u);
    EXPECT_EQ(read_cstring(mem, GuestPhysAddr(si.cmdline_paddr), boot_layout::kCmdlineMax),
              cmdline);

    ASSERT_GT(si.memmap_entries, 0u);
    ASSERT_LT(si.memmap_entries, 16u);
    std::vector<HvmMemmapEntry> map(si.memmap_entries);
    for (std::uint32_t i = 0; i < si.memmap_entries; ++i) {
        auto e = mem.read_obj<HvmMemmapEntry>(
            GuestPhysAddr(si.memmap_paddr + i * sizeof(HvmMemmapEntry)));
        ASSERT_TRUE(e);
        map[i] = e.value();
    }

    std::uint64_t ram = 0, ram_end = 0, prev_end = 0;
    for (const HvmMemmapEntry& e : map) {
        EXPECT_GE(e.addr, prev_end) << "map entries overlap or are unsorted";
        prev_end = e.addr + e.size;
        if (e.type != E820Type::Ram) continue;
        // Everything reported as RAM must be backed by guest memory.
        EXPECT_TRUE(mem.contains(GuestPhysAddr(e.addr), e.size))
            << std::hex << e.addr << "+" << e.size;
        ram += e.size;
        ram_end = std::max(ram_end, e.addr + e.size);
    }
    EXPECT_EQ(ram_end, mem.size());
    // All high RAM, and low RAM up to the EBDA.
    EXPECT_EQ(ram, boot_layout::kLowRamTop + (mem.size() - GuestMemory::kHighRamBase));

    // The structures the guest reads do not overlap each other.
    const std::uint64_t si_at = where.value().raw();
    const std::uint64_t map_len = map.size() * sizeof(HvmMemmapEntry);
    EXPECT_TRUE(disjoint(si_at, sizeof(HvmStartInfo), si.memmap_paddr, map_len));
    EXPECT_TRUE(disjoint(si_at, sizeof(HvmStartInfo), si.cmdline_paddr, boot_layout::kCmdlineMax));
    EXPECT_TRUE(disjoint(si.memmap_paddr, map_len, si.cmdline_paddr, boot_layout::kCmdlineMax));
}

INSTANTIATE_TEST_SUITE_P(Sizes, StartInfoLayout,
                         ::testing::Values(GuestMemory::kMinSize, 64ull << 20, 1ull << 30));

TEST(StartInfo, CmdlineIsNulTerminatedOverStaleBytes) {
    GuestMemory mem = make_memory(GuestMemory::kMinSize);
    const std::vector<std::uint8_t> stale(64, 'X');
    ASSERT_TRUE(mem.write(boot_layout::kCmdline, stale));
    ASSERT_TRUE(write_start_info(mem, "ab"));
    EXPECT_EQ(read_cstring(mem, boot_layout::kCmdline, 64), "ab");

    ASSERT_TRUE(write_start_info(mem, ""));
    auto first = mem.read_obj<char>(boot_layout::kCmdline);
    ASSERT_TRUE(first);
    EXPECT_EQ(first.value(), '\0');
}

TEST(StartInfo, AcceptsLongestCmdline) {
    GuestMemory mem = make_memory(GuestMemory::kMinSize);
    const std::string longest(boot_layout::kCmdlineMax - 1, 'a');
    auto r = write_start_info(mem, longest);
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(read_cstring(mem, boot_layout::kCmdline, boot_layout::kCmdlineMax), longest);
}

TEST(StartInfo, RejectsCmdlineWithoutRoomForNul) {
    GuestMemory mem = make_memory(GuestMemory::kMinSize);
    for (std::size_t len : {boot_layout::kCmdlineMax, boot_layout::kCmdlineMax * 16}) {
        auto r = write_start_info(mem, std::string(len, 'a'));
        ASSERT_FALSE(r) << "length " << len;
        EXPECT_EQ(r.error().kind, ErrorKind::Usage);
        EXPECT_NE(r.error().message.find(std::to_string(len) + " bytes"), std::string::npos)
            << r.error().message;
    }
}

TEST(StartInfo, RejectsCmdlineContainingNul) {
    GuestMemory mem = make_memory(GuestMemory::kMinSize);
    const std::string with_nul("root=/dev/vda\0init=/evil", 24);
    auto r = write_start_info(mem, with_nul);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().kind, ErrorKind::Usage);
    EXPECT_NE(r.error().message.find("NUL"), std::string::npos) << r.error().message;
}

} // namespace
} // namespace vmm
