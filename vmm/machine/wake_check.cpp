#include "machine/wake_check.hpp"

#include <algorithm>
#include <cstring>

namespace vmm {

namespace {

constexpr unsigned kTpr = 0x80;
constexpr unsigned kIsr = 0x100;
constexpr unsigned kIrr = 0x200;
constexpr unsigned kLvtTimer = 0x320;
constexpr unsigned kTimerInitialCount = 0x380;
constexpr unsigned kTimerCurrentCount = 0x390;
constexpr std::uint32_t kLvtMasked = 1u << 16;
constexpr unsigned kModeOneShot = 0, kModePeriodic = 1, kModeDeadline = 2;

std::uint32_t reg(const kvm_lapic_state& lapic, unsigned offset) {
    std::uint32_t v;
    std::memcpy(&v, lapic.regs + offset, sizeof v);
    return v;
}

// The highest vector set in a 256-bit APIC register (IRR, ISR), or -1.
int highest_vector(const kvm_lapic_state& lapic, unsigned base) {
    for (int word = 7; word >= 0; --word)
        if (const std::uint32_t bits = reg(lapic, base + 0x10 * static_cast<unsigned>(word)))
            return word * 32 + 31 - __builtin_clz(bits);
    return -1;
}

unsigned timer_mode(const kvm_lapic_state& lapic) {
    return (reg(lapic, kLvtTimer) >> 17) & 3;
}

} // namespace

bool lapic_timer_uses_deadline(const kvm_lapic_state& lapic) {
    return !(reg(lapic, kLvtTimer) & kLvtMasked) && timer_mode(lapic) == kModeDeadline;
}

bool lapic_can_wake(const kvm_lapic_state& lapic, std::uint64_t tsc_deadline) {
    // A request is delivered only above the processor priority class: the larger of the task
    // priority and the highest vector in service. Anything at or below it waits forever.
    const std::uint32_t tpr = reg(lapic, kTpr) & 0xff;
    const int in_service = highest_vector(lapic, kIsr);
    const unsigned ppr_class = std::max(tpr >> 4, in_service < 0 ? 0u : unsigned(in_service) >> 4);
    const int pending = highest_vector(lapic, kIrr);
    if (pending >= 0 && (unsigned(pending) >> 4) > ppr_class) return true;

    const std::uint32_t lvt = reg(lapic, kLvtTimer);
    if (lvt & kLvtMasked) return false;
    // A timer that fires into a masked priority class does not wake the vCPU either.
    if (((lvt & 0xff) >> 4) <= ppr_class) return false;
    switch (timer_mode(lapic)) {
    case kModeDeadline:
        return tsc_deadline != 0; // KVM clears the deadline when it fires
    case kModePeriodic:
        return reg(lapic, kTimerInitialCount) != 0;
    case kModeOneShot:
        // The initial count keeps its value after a one-shot timer fires; the current count
        // (KVM_GET_LAPIC computes it) reaches 0.
        return reg(lapic, kTimerCurrentCount) != 0;
    default:
        return false; // reserved mode
    }
}

} // namespace vmm
