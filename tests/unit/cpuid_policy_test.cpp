// The guest's CPUID as the VMM adjusts it.
#include "machine/cpuid_policy.hpp"

#include <gtest/gtest.h>

namespace vmm {
namespace {

kvm_cpuid_entry2 leaf(std::uint32_t function, std::uint32_t index = 0) {
    kvm_cpuid_entry2 e{};
    e.function = function;
    e.index = index;
    return e;
}

const kvm_cpuid_entry2* find(const std::vector<kvm_cpuid_entry2>& v, std::uint32_t function) {
    for (const auto& e : v)
        if (e.function == function) return &e;
    return nullptr;
}

TEST(CpuidPolicy, MarksAHypervisorAndHidesArchCapabilities) {
    auto one = leaf(1);
    one.ebx = 0x05000000;
    auto seven = leaf(7);
    seven.edx = 1u << 29;
    const auto out = guest_cpuid({one, seven}, 0);
    EXPECT_TRUE(find(out, 1)->ecx & (1u << 31));
    EXPECT_EQ(find(out, 1)->ebx >> 24, 0u);
    EXPECT_EQ(find(out, 7)->edx & (1u << 29), 0u);
}

TEST(CpuidPolicy, AddsTheTimingLeafWhenTheTscRateIsKnown) {
    auto out = guest_cpuid({leaf(kCpuidHypervisorBase)}, 2'445'000);
    ASSERT_NE(find(out, kCpuidTiming), nullptr);
    EXPECT_EQ(find(out, kCpuidTiming)->eax, 2'445'000u);
    EXPECT_EQ(find(out, kCpuidTiming)->ebx, kApicBusKhz);
    EXPECT_GE(find(out, kCpuidHypervisorBase)->eax, kCpuidTiming);
    out = guest_cpuid({leaf(kCpuidHypervisorBase), leaf(kCpuidTiming)}, 0);
    EXPECT_EQ(find(out, kCpuidTiming), nullptr);
}

TEST(CpuidPolicy, RomAnswersOnlyStaticLeavesInOrder) {
    const auto answers = rom_cpuid_answers({leaf(1), leaf(7), leaf(0), leaf(0xb)});
    ASSERT_EQ(answers.size(), 2u);
    EXPECT_EQ(answers[0].leaf, 0u);
    EXPECT_EQ(answers[1].leaf, 7u);
}

} // namespace
} // namespace vmm
