// `vmi run` option parsing: sizes, values, and everything a user can get wrong.
#include "cli/exit_codes.hpp"
#include "cli/run_options.hpp"

#include <cstdint>
#include <gtest/gtest.h>
#include <string>
#include <string_view>
#include <vector>

namespace vmm {
namespace {

using Args = std::vector<std::string_view>;

::testing::AssertionResult usage_error(const Error& e, std::string_view needle) {
    if (e.kind != ErrorKind::Usage)
        return ::testing::AssertionFailure()
               << "error kind " << static_cast<int>(e.kind) << ": " << e.message;
    if (e.message.find(needle) == std::string::npos)
        return ::testing::AssertionFailure()
               << "message '" << e.message << "' does not mention '" << needle << "'";
    return ::testing::AssertionSuccess();
}

::testing::AssertionResult size_rejected(std::string_view text, std::string_view needle) {
    auto r = parse_size(text);
    if (r) return ::testing::AssertionFailure() << "'" << text << "' parsed as " << r.value();
    return usage_error(r.error(), needle);
}

::testing::AssertionResult options_rejected(const Args& args, std::string_view needle) {
    auto r = parse_run_options(args);
    if (r) return ::testing::AssertionFailure() << "arguments were accepted";
    return usage_error(r.error(), needle);
}

std::uint64_t size_of(std::string_view text) {
    auto r = parse_size(text);
    EXPECT_TRUE(r) << "'" << text << "': " << r.error().message;
    return r ? r.value() : 0;
}

TEST(ParseSize, PlainBytes) {
    EXPECT_EQ(size_of("4096"), 4096u);
    EXPECT_EQ(size_of("0"), 0u);
    EXPECT_EQ(size_of("2097152"), 2097152u);
}

TEST(ParseSize, BinarySuffixes) {
    EXPECT_EQ(size_of("64M"), 64ull << 20);
    EXPECT_EQ(size_of("64m"), 64ull << 20);
    EXPECT_EQ(size_of("1G"), 1ull << 30);
    EXPECT_EQ(size_of("512KiB"), 512ull << 10);
    EXPECT_EQ(size_of("512k"), 512ull << 10);
    EXPECT_EQ(size_of("3MB"), 3ull << 20);
    EXPECT_EQ(size_of("2GiB"), 2ull << 30);
}

TEST(ParseSize, RejectsJunk) {
    for (std::string_view text : {"", "M", "abc", " 64M", "-5", "+5", "0x40", "1.5G"})
        EXPECT_TRUE(size_rejected(text, "invalid size")) << "'" << text << "'";
}

TEST(ParseSize, RejectsBadSuffixes) {
    for (std::string_view text : {"12X", "64M ", "64MiBx", "1Gi", "1GB!", "5T", "7kk"})
        EXPECT_TRUE(size_rejected(text, "invalid size suffix")) << "'" << text << "'";
}

TEST(ParseSize, RejectsOverflow) {
    EXPECT_TRUE(size_rejected("99999999999G", "too large"));
    // 2^34 GiB is exactly 2^64; one less still fits.
    EXPECT_TRUE(size_rejected("17179869184G", "too large"));
    EXPECT_EQ(size_of("17179869183G"), 17179869183ull << 30);
    EXPECT_TRUE(size_rejected("17592186044416M", "too large"));
    EXPECT_EQ(size_of("18446744073709551615"), ~std::uint64_t{0});
    EXPECT_TRUE(size_rejected("18446744073709551616", "invalid size"));
}

TEST(ParseRunOptions, DefaultsWithoutArguments) {
    auto r = parse_run_options({});
    ASSERT_TRUE(r) << r.error().message;
    const RunOptions& o = r.value();
    EXPECT_FALSE(o.kernel.has_value());
    EXPECT_EQ(o.mem_size, 128ull << 20);
    EXPECT_EQ(o.timeout_sec, 0u);
    EXPECT_TRUE(o.cmdline.empty());
    EXPECT_FALSE(o.stats);
    EXPECT_FALSE(o.help);
    EXPECT_EQ(o.console_limit, 0u);
    EXPECT_FALSE(o.no_seccomp);
}

TEST(ParseRunOptions, ConsoleLimitAndSeccomp) {
    auto r = parse_run_options({"--console-limit", "10M", "--no-seccomp"});
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(r.value().console_limit, 10ull << 20);
    EXPECT_TRUE(r.value().no_seccomp);
    auto zero = parse_run_options({"--console-limit", "0"});
    ASSERT_FALSE(zero);
    EXPECT_TRUE(usage_error(zero.error(), "invalid --console-limit 0"));
    auto junk = parse_run_options({"--console-limit", "lots"});
    ASSERT_FALSE(junk);
    EXPECT_TRUE(usage_error(junk.error(), "invalid size 'lots'"));
}

TEST(ParseRunOptions, AllOptions) {
    auto r = parse_run_options({"--mem", "64M", "--cmdline", "console=ttyS0 quiet", "guest.elf",
                                "--stats", "--timeout", "5"});
    ASSERT_TRUE(r) << r.error().message;
    const RunOptions& o = r.value();
    EXPECT_EQ(o.kernel, "guest.elf");
    EXPECT_EQ(o.mem_size, 64ull << 20);
    EXPECT_EQ(o.cmdline, "console=ttyS0 quiet");
    EXPECT_TRUE(o.stats);
    EXPECT_EQ(o.timeout_sec, 5u);
    EXPECT_FALSE(o.help);
}

TEST(ParseRunOptions, KernelIsPositional) {
    auto first = parse_run_options({"k.elf", "--stats"});
    ASSERT_TRUE(first);
    EXPECT_EQ(first.value().kernel, "k.elf");
    auto last = parse_run_options({"--stats", "k.elf"});
    ASSERT_TRUE(last);
    EXPECT_EQ(last.value().kernel, "k.elf");
}

TEST(ParseRunOptions, OptionValueMayLookLikeAFlag) {
    auto r = parse_run_options({"--cmdline", "--stats"});
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(r.value().cmdline, "--stats");
    EXPECT_FALSE(r.value().stats);
}

TEST(ParseRunOptions, RejectsTwoKernels) {
    EXPECT_TRUE(options_rejected({"a.elf", "b.elf"}, "more than one kernel"));
    EXPECT_TRUE(options_rejected({"a.elf", "--stats", "b.elf"}, "'b.elf'"));
}

TEST(ParseRunOptions, RejectsUnknownFlags) {
    EXPECT_TRUE(options_rejected({"--bogus"}, "unknown option '--bogus'"));
    EXPECT_TRUE(options_rejected({"k.elf", "-x"}, "unknown option '-x'"));
    EXPECT_TRUE(options_rejected({"-"}, "unknown option '-'"));
    EXPECT_TRUE(options_rejected({"--mem=64M"}, "unknown option '--mem=64M'"));
}

TEST(ParseRunOptions, RejectsMissingValues) {
    for (std::string_view flag : {"--mem", "--cmdline", "--timeout"}) {
        EXPECT_TRUE(options_rejected({flag}, "needs a value")) << flag;
        EXPECT_TRUE(options_rejected({"k.elf", flag}, std::string(flag))) << flag;
    }
}

TEST(ParseRunOptions, RejectsBadMem) {
    EXPECT_TRUE(options_rejected({"--mem", "lots"}, "invalid size 'lots'"));
    EXPECT_TRUE(options_rejected({"--mem", "99999999999G"}, "too large"));
}

TEST(ParseRunOptions, TimeoutRange) {
    for (std::string_view bad : {"0", "junk", "5s", "", "-1", "86401", "4294967296", " 5"})
        EXPECT_TRUE(options_rejected({"--timeout", bad}, "invalid --timeout")) << "'" << bad << "'";
    for (unsigned good : {1u, 60u, 86400u}) {
        const std::string text = std::to_string(good);
        auto r = parse_run_options({"--timeout", text});
        ASSERT_TRUE(r) << text << ": " << r.error().message;
        EXPECT_EQ(r.value().timeout_sec, good);
    }
}

TEST(ParseRunOptions, Help) {
    for (std::string_view flag : {"--help", "-h"}) {
        auto r = parse_run_options({flag});
        ASSERT_TRUE(r) << flag;
        EXPECT_TRUE(r.value().help);
    }
    auto with_kernel = parse_run_options({"k.elf", "--help"});
    ASSERT_TRUE(with_kernel);
    EXPECT_TRUE(with_kernel.value().help);
    EXPECT_NE(std::string_view(kRunUsage).find("usage: vmi run"), std::string_view::npos);
}

TEST(ParseRunOptions, DisksInOrderWithReadOnly) {
    auto r = parse_run_options({"--disk", "a.img", "--disk", "/dev/b,ro", "k.elf"});
    ASSERT_TRUE(r) << r.error().message;
    const auto& disks = r.value().disks;
    ASSERT_EQ(disks.size(), 2u);
    EXPECT_EQ(disks[0].path, "a.img");
    EXPECT_FALSE(disks[0].readonly);
    EXPECT_EQ(disks[1].path, "/dev/b");
    EXPECT_TRUE(disks[1].readonly);
    EXPECT_EQ(r.value().kernel, "k.elf");
}

TEST(ParseRunOptions, RejectsBadDisks) {
    EXPECT_TRUE(options_rejected({"--disk"}, "--disk needs a value"));
    EXPECT_TRUE(options_rejected({"--disk", ""}, "invalid --disk ''"));
    EXPECT_TRUE(options_rejected({"--disk", ",ro"}, "invalid --disk ',ro'"));
    EXPECT_TRUE(options_rejected({"--disk", "a.img,rw"}, "invalid --disk option 'rw'"));
    EXPECT_TRUE(options_rejected({"--disk", "a.img,"}, "invalid --disk option ''"));
    EXPECT_TRUE(options_rejected({"--disk", "a.img,ro,ro"}, "invalid --disk option 'ro,ro'"));
}

TEST(ParseRunOptions, AtMostEightDisks) {
    std::vector<std::string_view> args;
    for (unsigned i = 0; i < kMaxDisks; ++i)
        args.insert(args.end(), {"--disk", "d.img"});
    auto eight = parse_run_options(args);
    ASSERT_TRUE(eight) << eight.error().message;
    EXPECT_EQ(eight.value().disks.size(), 8u);
    args.insert(args.end(), {"--disk", "d.img"});
    EXPECT_TRUE(options_rejected(args, "more than 8 --disk options"));
}

TEST(RunUsage, DocumentsDisks) {
    const std::string usage = kRunUsage;
    EXPECT_NE(usage.find("--disk FILE[,ro]"), std::string::npos);
    EXPECT_NE(usage.find("0xfeb00000"), std::string::npos);
    EXPECT_NE(usage.find("GSI 16"), std::string::npos);
}

TEST(RunUsage, DocumentsEveryExitStatus) {
    using namespace exit_code;
    const std::string usage = kRunUsage;
    for (int code :
         {kUsage, kBadImage, kNoInput, kBadRom, kUnavailable, kSeccomp, kSystem, kConsoleError,
          kGuestCrash, kGuestHalted, kGuestTimeout, kGuestUnhandled, kGuestReboot, kConsoleLimit,
          kSignalBase + 2, kSignalBase + 15, kGuestStatusTooLarge})
        EXPECT_NE(usage.find(std::to_string(code)), std::string::npos) << code;
}

} // namespace
} // namespace vmm
