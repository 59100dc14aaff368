// Rewriting one call site (docs/spec.md §7): native, `call rel32` into the ROM, or NOPs.
// Every site sits between guard bytes so that a write past its end shows.
#include <algorithm>
#include <cstdint>
#include <gtest/gtest.h>
#include <limits>
#include <optional>
#include <vector>
#include <vmi/reloc.h>
#include <vmirt/patch.hpp>

namespace vmi {
namespace {

using Bytes = std::vector<std::uint8_t>;

// A patch's error, or nullopt when it succeeded.
std::optional<PatchError> failure(Result<void, PatchError> r) {
    if (r.ok()) return std::nullopt;
    return r.error();
}

// The recommended multi-byte NOPs, Intel SDM vol. 2B, "NOP", table 4-12, by length.
const Bytes kSdmNops[9] = {
    {0x90},
    {0x66, 0x90},
    {0x0f, 0x1f, 0x00},
    {0x0f, 0x1f, 0x40, 0x00},
    {0x0f, 0x1f, 0x44, 0x00, 0x00},
    {0x66, 0x0f, 0x1f, 0x44, 0x00, 0x00},
    {0x0f, 0x1f, 0x80, 0x00, 0x00, 0x00, 0x00},
    {0x0f, 0x1f, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00},
    {0x66, 0x0f, 0x1f, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00},
};

constexpr std::uint8_t kGuard = 0xcc;
constexpr std::size_t kGuardBytes = 8;

// A site of `length` bytes of recognisable "native" code, framed by guards.
struct Site {
    explicit Site(std::size_t length) : buf(length + 2 * kGuardBytes, kGuard) {
        for (std::size_t i = 0; i < length; ++i)
            buf[kGuardBytes + i] = static_cast<std::uint8_t>(0x40 + i);
        len = length;
    }
    std::uint8_t* data() { return buf.data() + kGuardBytes; }
    Bytes bytes() const {
        return Bytes(buf.begin() + kGuardBytes, buf.begin() + static_cast<long>(kGuardBytes + len));
    }
    bool guards_intact() const {
        for (std::size_t i = 0; i < kGuardBytes; ++i)
            if (buf[i] != kGuard || buf[kGuardBytes + len + i] != kGuard) return false;
        return true;
    }
    Bytes buf;
    std::size_t len;
};

// What the fewest recommended NOPs for `n` bytes are: 9-byte NOPs, then one for the rest.
Bytes expected_nops(std::size_t n) {
    Bytes out;
    for (; n >= 9; n -= 9)
        out.insert(out.end(), kSdmNops[8].begin(), kSdmNops[8].end());
    if (n > 0) out.insert(out.end(), kSdmNops[n - 1].begin(), kSdmNops[n - 1].end());
    return out;
}

// Splits `bytes` into SDM NOPs; returns the number of instructions, or -1 if some bytes are
// not one of them. No SDM NOP is a prefix of another, so the split is unique.
int decode_nops(const Bytes& bytes) {
    std::size_t at = 0;
    int count = 0;
    while (at < bytes.size()) {
        bool matched = false;
        for (const Bytes& nop : kSdmNops) {
            if (nop.size() <= bytes.size() - at &&
                std::equal(nop.begin(), nop.end(), bytes.begin() + static_cast<long>(at))) {
                at += nop.size();
                ++count;
                matched = true;
                break;
            }
        }
        if (!matched) return -1;
    }
    return count;
}

Bytes call_bytes(std::uint32_t rel, std::size_t length) {
    Bytes out = {0xe8, static_cast<std::uint8_t>(rel), static_cast<std::uint8_t>(rel >> 8),
                 static_cast<std::uint8_t>(rel >> 16), static_cast<std::uint8_t>(rel >> 24)};
    const Bytes tail = expected_nops(length - 5);
    out.insert(out.end(), tail.begin(), tail.end());
    return out;
}

constexpr std::uint64_t kSite = 0xffffffff81234567ull; // a kernel text address
constexpr std::int64_t kMaxRel = std::numeric_limits<std::int32_t>::max();
constexpr std::int64_t kMinRel = std::numeric_limits<std::int32_t>::min();

// The target whose rel32 from a site at `site` is `rel`.
constexpr std::uint64_t target_for(std::uint64_t site, std::int64_t rel) {
    return site + 5 + static_cast<std::uint64_t>(rel);
}

TEST(FillNops, EachLengthDecodesAsTheFewestWholeSdmNops) {
    for (std::uint32_t n = 0; n <= 30; ++n) {
        Site site(n);
        fill_nops(site.data(), n);
        EXPECT_TRUE(site.guards_intact()) << "length " << n;
        EXPECT_EQ(decode_nops(site.bytes()), static_cast<int>((n + 8) / 9)) << "length " << n;
        EXPECT_EQ(site.bytes(), expected_nops(n)) << "length " << n;
    }
}

TEST(PatchSite, NativeLeavesTheSiteAlone) {
    for (std::uint8_t n : {std::uint8_t{5}, std::uint8_t{7}, std::uint8_t{15}, kMaxSiteBytes}) {
        Site site(n);
        const Bytes before = site.bytes();
        // The target is irrelevant, even an unreachable one.
        EXPECT_EQ(failure(patch_site(site.data(), n, kSite, Binding::Native, 0)), std::nullopt);
        EXPECT_EQ(site.bytes(), before) << "length " << int{n};
        EXPECT_TRUE(site.guards_intact());
    }
}

TEST(PatchSite, NopFillsTheWholeSite) {
    // Exact bytes for every length a real site has: the native code plus one padding NOP.
    for (std::uint8_t n = 5; n <= 20; ++n) {
        Site site(n);
        EXPECT_EQ(failure(patch_site(site.data(), n, kSite, Binding::Nop, 0)), std::nullopt);
        EXPECT_EQ(site.bytes(), expected_nops(n)) << "length " << int{n};
        EXPECT_TRUE(site.guards_intact()) << "length " << int{n};
    }
    Site five(5);
    ASSERT_EQ(failure(patch_site(five.data(), 5, kSite, Binding::Nop, 0)), std::nullopt);
    EXPECT_EQ(five.bytes(), (Bytes{0x0f, 0x1f, 0x44, 0x00, 0x00}));
    Site ten(10);
    ASSERT_EQ(failure(patch_site(ten.data(), 10, kSite, Binding::Nop, 0)), std::nullopt);
    EXPECT_EQ(ten.bytes(), (Bytes{0x66, 0x0f, 0x1f, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00, 0x90}));
    Site twenty(20);
    ASSERT_EQ(failure(patch_site(twenty.data(), 20, kSite, Binding::Nop, 0)), std::nullopt);
    EXPECT_EQ(twenty.bytes(), (Bytes{0x66, 0x0f, 0x1f, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00, 0x66,
                                     0x0f, 0x1f, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00, 0x66, 0x90}));
}

TEST(PatchSite, CallToATargetAfterTheSite) {
    for (std::uint8_t n : {std::uint8_t{5}, std::uint8_t{6}, std::uint8_t{12}, kMaxSiteBytes}) {
        Site site(n);
        const std::uint64_t target = kSite + 0x123456;
        ASSERT_EQ(failure(patch_site(site.data(), n, kSite, Binding::Call, target)), std::nullopt);
        EXPECT_EQ(site.bytes(), call_bytes(0x123456 - 5, n)) << "length " << int{n};
        EXPECT_TRUE(site.guards_intact());
    }
}

TEST(PatchSite, CallToATargetBeforeTheSite) {
    // The ROM mapped below the kernel text: a negative displacement.
    Site site(9);
    const std::uint64_t target = kSite - 0x400000;
    ASSERT_EQ(failure(patch_site(site.data(), 9, kSite, Binding::Call, target)), std::nullopt);
    EXPECT_EQ(site.bytes(), call_bytes(static_cast<std::uint32_t>(-0x400000 - 5), 9));
    EXPECT_EQ(site.bytes()[0], 0xe8);
    EXPECT_EQ(site.bytes()[4], 0xff) << "sign bits of a negative rel32";
    // A call to its own start: rel32 = -5.
    Site self(5);
    ASSERT_EQ(failure(patch_site(self.data(), 5, kSite, Binding::Call, kSite)), std::nullopt);
    EXPECT_EQ(self.bytes(), (Bytes{0xe8, 0xfb, 0xff, 0xff, 0xff}));
}

TEST(PatchSite, CallReachesExactlyTwoGiBEitherWay) {
    Site max(5);
    ASSERT_EQ(failure(patch_site(max.data(), 5, kSite, Binding::Call, target_for(kSite, kMaxRel))),
              std::nullopt);
    EXPECT_EQ(max.bytes(), (Bytes{0xe8, 0xff, 0xff, 0xff, 0x7f}));
    Site min(5);
    ASSERT_EQ(failure(patch_site(min.data(), 5, kSite, Binding::Call, target_for(kSite, kMinRel))),
              std::nullopt);
    EXPECT_EQ(min.bytes(), (Bytes{0xe8, 0x00, 0x00, 0x00, 0x80}));
}

TEST(PatchSite, CallOneByteBeyondTwoGiBIsRejectedAndTheSiteKept) {
    for (std::int64_t rel : {kMaxRel + 1, kMinRel - 1, std::int64_t{1} << 32,
                             -(std::int64_t{1} << 40), std::numeric_limits<std::int64_t>::max()}) {
        Site site(8);
        const Bytes before = site.bytes();
        EXPECT_EQ(failure(patch_site(site.data(), 8, kSite, Binding::Call, target_for(kSite, rel))),
                  PatchError::OutOfRange)
            << "rel " << rel;
        EXPECT_EQ(site.bytes(), before) << "rel " << rel;
        EXPECT_TRUE(site.guards_intact());
    }
}

TEST(PatchSite, TooShortSitesAreRejectedUntouched) {
    for (std::uint8_t n = 0; n < VMI_SITE_MIN_BYTES; ++n) {
        for (Binding b : {Binding::Native, Binding::Call, Binding::Nop}) {
            Site site(n);
            const Bytes before = site.bytes();
            EXPECT_EQ(failure(patch_site(site.data(), n, kSite, b, kSite + 0x100)),
                      PatchError::SiteTooShort)
                << "length " << int{n} << " binding " << static_cast<int>(b);
            EXPECT_EQ(site.bytes(), before);
            EXPECT_TRUE(site.guards_intact());
        }
    }
}

} // namespace
} // namespace vmi
