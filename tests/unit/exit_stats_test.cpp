// vCPU exit counters behind `vmi run --stats`.
#include "machine/exit_stats.hpp"

#include <cstdlib>
#include <gtest/gtest.h>
#include <linux/kvm.h>
#include <regex>
#include <stdio.h>
#include <string>

namespace vmm {
namespace {

std::string printed(const ExitStats& stats) {
    char* buf = nullptr;
    std::size_t len = 0;
    FILE* f = open_memstream(&buf, &len);
    if (!f) return {};
    stats.print(f);
    std::fclose(f);
    std::string s(buf, len);
    std::free(buf);
    return s;
}

TEST(ExitStats, StartsEmpty) {
    ExitStats s;
    EXPECT_EQ(s.total_exits(), 0u);
    EXPECT_EQ(s.exits(KVM_EXIT_IO), 0u);
    EXPECT_EQ(s.io(0x3f8, true), 0u);
}

TEST(ExitStats, CountsExitsByReason) {
    ExitStats s;
    for (int i = 0; i < 3; ++i)
        s.count_exit(KVM_EXIT_IO);
    s.count_exit(KVM_EXIT_HLT);
    s.count_exit(0xdead);
    EXPECT_EQ(s.exits(KVM_EXIT_IO), 3u);
    EXPECT_EQ(s.exits(KVM_EXIT_HLT), 1u);
    EXPECT_EQ(s.exits(0xdead), 1u);
    EXPECT_EQ(s.exits(KVM_EXIT_MMIO), 0u);
    EXPECT_EQ(s.total_exits(), 5u);
}

TEST(ExitStats, CountsPortIoByPortAndDirection) {
    ExitStats s;
    s.count_io(0x3f8, true);
    s.count_io(0x3f8, true);
    s.count_io(0x3fd, false);
    s.count_io(0xf4, true);
    EXPECT_EQ(s.io(0x3f8, true), 2u);
    EXPECT_EQ(s.io(0x3f8, false), 0u);
    EXPECT_EQ(s.io(0x3fd, false), 1u);
    EXPECT_EQ(s.io(0x3fd, true), 0u);
    EXPECT_EQ(s.io(0xf4, true), 1u);
    EXPECT_EQ(s.total_exits(), 0u) << "port counts are separate from exit counts";
}

TEST(ExitStats, NamesExitReasons) {
    EXPECT_STREQ(exit_reason_name(KVM_EXIT_IO), "IO");
    EXPECT_STREQ(exit_reason_name(KVM_EXIT_SHUTDOWN), "SHUTDOWN");
    EXPECT_STREQ(exit_reason_name(0xdead), "OTHER");
}

TEST(ExitStats, PrintsEveryCounter) {
    ExitStats s;
    for (int i = 0; i < 17; ++i)
        s.count_exit(KVM_EXIT_IO);
    s.count_exit(KVM_EXIT_HLT);
    for (int i = 0; i < 16; ++i)
        s.count_io(0x3f8, true);
    s.count_io(0x3f9, false);
    const std::string text = printed(s);
    for (const char* line : {R"(\bIO +17\n)", R"(\bHLT +1\n)", R"(\btotal +18\n)",
                             R"(0x03f8 out +16\n)", R"(0x03f9 in +1\n)"})
        EXPECT_TRUE(std::regex_search(text, std::regex(line))) << line << " in\n" << text;
}

TEST(ExitStats, PrintOmitsPortSectionWithoutPortIo) {
    ExitStats s;
    s.count_exit(KVM_EXIT_HLT);
    const std::string text = printed(s);
    EXPECT_NE(text.find("HLT"), std::string::npos) << text;
    EXPECT_EQ(text.find("port I/O"), std::string::npos) << text;
}

} // namespace
} // namespace vmm
