// I/O APIC redirection entries (guest/kernel/ioapic.hpp): the bits of 82093AA §3.2.4.
#include "ioapic.hpp"

#include <gtest/gtest.h>

namespace kernel {
namespace {

TEST(IoApicRoute, EncodesTheRedirectionEntry) {
    IoApicRoute r;
    EXPECT_EQ(r.encode(), 1ull << 16); // masked by default
    r.vector = 0x3c;
    r.destination = 3;
    r.masked = false;
    EXPECT_EQ(r.encode(), 0x0300000000000000ull | 0x3c); // edge, active high, fixed, physical
    r.level = true;
    r.active_low = true;
    EXPECT_EQ(r.encode(), 0x030000000000a03cull);
}

} // namespace
} // namespace kernel
