// Halt detection: which local APIC states can still wake a halted vCPU.
#include "machine/wake_check.hpp"

#include <cstdint>
#include <cstring>
#include <gtest/gtest.h>

namespace vmm {
namespace {

struct Apic {
    kvm_lapic_state s{};
    Apic& set(unsigned offset, std::uint32_t v) {
        std::memcpy(s.regs + offset, &v, sizeof v);
        return *this;
    }
    Apic& vector(unsigned base, unsigned v) {
        std::uint32_t word;
        std::memcpy(&word, s.regs + base + 0x10 * (v / 32), sizeof word);
        return set(base + 0x10 * (v / 32), word | 1u << (v % 32));
    }
    Apic& irr(unsigned v) { return vector(0x200, v); }
    Apic& isr(unsigned v) { return vector(0x100, v); }
    Apic& tpr(std::uint32_t v) { return set(0x80, v); }
    // LVT timer: vector, mode (0 one-shot, 1 periodic, 2 TSC deadline), mask.
    Apic& timer(unsigned vec, unsigned mode, bool masked = false) {
        return set(0x320, vec | mode << 17 | (masked ? 1u << 16 : 0));
    }
    Apic& counts(std::uint32_t initial, std::uint32_t current) {
        return set(0x380, initial).set(0x390, current);
    }
};

TEST(WakeCheck, NothingPendingNothingArmed) {
    EXPECT_FALSE(lapic_can_wake(Apic{}.timer(0x40, 0, true).s, 0));
}

TEST(WakeCheck, ARunningOneShotTimerCanWake) {
    EXPECT_TRUE(lapic_can_wake(Apic{}.timer(0x40, 0).counts(1000, 400).s, 0));
}

TEST(WakeCheck, AOneShotTimerThatFiredCannot) {
    // The initial count keeps its value after expiry; only the current count tells.
    EXPECT_FALSE(lapic_can_wake(Apic{}.timer(0x40, 0).counts(1000, 0).s, 0));
}

TEST(WakeCheck, PeriodicAndDeadlineTimers) {
    EXPECT_TRUE(lapic_can_wake(Apic{}.timer(0x40, 1).counts(1000, 0).s, 0));
    EXPECT_FALSE(lapic_can_wake(Apic{}.timer(0x40, 1).counts(0, 0).s, 0));
    EXPECT_TRUE(lapic_can_wake(Apic{}.timer(0x40, 2).s, 12345));
    EXPECT_FALSE(lapic_can_wake(Apic{}.timer(0x40, 2).s, 0));
    EXPECT_TRUE(lapic_timer_uses_deadline(Apic{}.timer(0x40, 2).s));
    EXPECT_FALSE(lapic_timer_uses_deadline(Apic{}.timer(0x40, 2, true).s));
}

TEST(WakeCheck, APendingVectorAboveTheTaskPriorityCanWake) {
    EXPECT_TRUE(lapic_can_wake(Apic{}.timer(0, 0, true).irr(0x40).s, 0));
    EXPECT_TRUE(lapic_can_wake(Apic{}.timer(0, 0, true).irr(0x51).tpr(0x4f).s, 0));
}

TEST(WakeCheck, PendingVectorsTheTaskPriorityMasksCannot) {
    EXPECT_FALSE(lapic_can_wake(Apic{}.timer(0, 0, true).irr(0x40).tpr(0xf0).s, 0));
    EXPECT_FALSE(lapic_can_wake(Apic{}.timer(0, 0, true).irr(0x4f).tpr(0x40).s, 0));
}

TEST(WakeCheck, AVectorInServiceMasksItsClassAndBelow) {
    EXPECT_FALSE(lapic_can_wake(Apic{}.timer(0, 0, true).irr(0x41).isr(0x48).s, 0));
    EXPECT_TRUE(lapic_can_wake(Apic{}.timer(0, 0, true).irr(0x61).isr(0x48).s, 0));
}

TEST(WakeCheck, ATimerFiringIntoAMaskedClassCannot) {
    EXPECT_FALSE(lapic_can_wake(Apic{}.timer(0x40, 0).counts(1000, 500).tpr(0x40).s, 0));
}

} // namespace
} // namespace vmm
