// The KVM capabilities checked at open: which one is reported missing.
#include "kvm/capabilities.hpp"

#include <gtest/gtest.h>
#include <linux/kvm.h>
#include <string>

namespace vmm {
namespace {

TEST(KvmCapabilities, AllPresent) {
    EXPECT_EQ(missing_capability([](int) { return 1; }), nullptr);
}

TEST(KvmCapabilities, NamesTheFirstMissingOne) {
    const KvmCapability* c =
        missing_capability([](int cap) { return cap == KVM_CAP_READONLY_MEM ? 0 : 1; });
    ASSERT_NE(c, nullptr);
    EXPECT_EQ(std::string(c->name), "KVM_CAP_READONLY_MEM");
    EXPECT_EQ(std::string(c->usage), "the read-only option-ROM window");
}

TEST(KvmCapabilities, TheOnesTheVmmUses) {
    for (int cap :
         {KVM_CAP_IRQCHIP, KVM_CAP_READONLY_MEM, KVM_CAP_GET_TSC_KHZ, KVM_CAP_IMMEDIATE_EXIT}) {
        const KvmCapability* c = missing_capability([cap](int c2) { return c2 == cap ? 0 : 1; });
        ASSERT_NE(c, nullptr) << cap;
        EXPECT_EQ(c->cap, cap);
    }
}

} // namespace
} // namespace vmm
