// virtio_mmio.device= parsing (guest/kernel/virtio/mmio_cmdline.hpp): Linux's syntax, several
// devices, and the malformed words a command line may carry.
#include "virtio/mmio_cmdline.hpp"

#include <gtest/gtest.h>

namespace kernel::virtio {
namespace {

TEST(MmioCmdline, QemuMicrovmWord) {
    MmioDevice d[4];
    const MmioScan s = parse_mmio_devices("run=tests virtio_mmio.device=512@0xfeb00e00:12", d, 4);
    ASSERT_EQ(s.found, 1u);
    EXPECT_EQ(s.malformed, 0u);
    EXPECT_EQ(d[0].size, 512u);
    EXPECT_EQ(d[0].base, 0xfeb00e00u);
    EXPECT_EQ(d[0].irq, 12u);
}

TEST(MmioCmdline, SeveralDevicesSuffixesAndId) {
    MmioDevice d[4];
    const MmioScan s = parse_mmio_devices(
        "virtio_mmio.device=4K@0xd0000000:5  a=b virtio_mmio.device=0x200@3G:7:2 "
        "virtio_mmio.device=1k@010:0",
        d, 4);
    ASSERT_EQ(s.found, 3u);
    EXPECT_EQ(s.malformed, 0u);
    EXPECT_EQ(d[0].size, 4096u);
    EXPECT_EQ(d[0].base, 0xd0000000u);
    EXPECT_EQ(d[0].irq, 5u);
    EXPECT_EQ(d[1].size, 0x200u);
    EXPECT_EQ(d[1].base, 3ull << 30);
    EXPECT_EQ(d[1].irq, 7u);
    EXPECT_EQ(d[2].size, 1024u);
    EXPECT_EQ(d[2].base, 8u); // leading 0: octal, as memparse
    EXPECT_EQ(d[2].irq, 0u);
}

TEST(MmioCmdline, NoDevices) {
    MmioDevice d[1];
    EXPECT_EQ(parse_mmio_devices("", d, 1).found, 0u);
    EXPECT_EQ(parse_mmio_devices(nullptr, d, 1).found, 0u);
    const MmioScan s =
        parse_mmio_devices("virtio_mmio.devices=1@2:3 xvirtio_mmio.device=1@2:3", d, 1);
    EXPECT_EQ(s.found, 0u);
    EXPECT_EQ(s.malformed, 0u);
}

TEST(MmioCmdline, MalformedWordsAreCountedNotReturned) {
    const char* bad[] = {
        "virtio_mmio.device=",
        "virtio_mmio.device=0@0x1000:5",               // size 0
        "virtio_mmio.device=512",                      // no base
        "virtio_mmio.device=512@",                     // empty base
        "virtio_mmio.device=512@0x1000",               // no IRQ
        "virtio_mmio.device=512@0x1000:",              // empty IRQ
        "virtio_mmio.device=512@0x1000:5x",            // junk after the IRQ
        "virtio_mmio.device=512@0x1000:5:",            // empty id
        "virtio_mmio.device=512@0xffffffffffffff00:5", // range wraps
        "virtio_mmio.device=512@0x1000:4294967296",    // IRQ beyond 32 bits
        "virtio_mmio.device=99999999999999999999@0:5", // overflow
        "virtio_mmio.device=17179869184G@0:5",         // suffix overflows
        "virtio_mmio.device=512@09:5",                 // 9 is no octal digit
        "virtio_mmio.device=0x@0x1000:5",              // "0x" without digits: 0, then junk
        "virtio_mmio.device=-1@0x1000:5",
    };
    for (const char* word : bad) {
        MmioDevice d[1] = {{1, 2, 3}};
        const MmioScan s = parse_mmio_devices(word, d, 1);
        EXPECT_EQ(s.found, 0u) << word;
        EXPECT_EQ(s.malformed, 1u) << word;
        EXPECT_EQ(d[0].base, 1u) << word;
    }
}

TEST(MmioCmdline, BeyondTheOutputIsCounted) {
    MmioDevice d[1];
    const MmioScan s =
        parse_mmio_devices("virtio_mmio.device=512@0x1000:5 virtio_mmio.device=512@0x2000:6", d, 1);
    EXPECT_EQ(s.found, 1u);
    EXPECT_EQ(s.malformed, 1u);
    EXPECT_EQ(d[0].base, 0x1000u);
}

TEST(MmioCmdline, ParseNumber) {
    const char* p = "0x1fK rest";
    uint64_t v = 0;
    ASSERT_TRUE(parse_number(&p, true, &v));
    EXPECT_EQ(v, 0x1fu << 10);
    EXPECT_STREQ(p, " rest");
    p = "12M";
    ASSERT_TRUE(parse_number(&p, false, &v));
    EXPECT_EQ(v, 12u);
    EXPECT_STREQ(p, "M");
    p = "18446744073709551615";
    ASSERT_TRUE(parse_number(&p, false, &v));
    EXPECT_EQ(v, ~0ull);
    p = "18446744073709551616";
    EXPECT_FALSE(parse_number(&p, false, &v));
    p = "x";
    EXPECT_FALSE(parse_number(&p, false, &v));
}

} // namespace
} // namespace kernel::virtio
