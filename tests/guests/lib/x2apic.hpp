// The x2APIC registers the halt-detection guests program (SDM vol. 3A, "x2APIC Register
// Address Space"): MSR 0x800 + (xAPIC offset >> 4).
#pragma once

#include <stdint.h>

namespace guest::x2apic {

constexpr uint32_t kApicBase = 0x1b; // IA32_APIC_BASE: bit 11 enable, bit 10 x2APIC mode
constexpr uint32_t kTpr = 0x808;
constexpr uint32_t kEoi = 0x80b;
constexpr uint32_t kSvr = 0x80f; // bit 8 software enable
constexpr uint32_t kIrr = 0x820; // + n: vectors 32n..32n+31
constexpr uint32_t kLvtTimer = 0x832;
constexpr uint32_t kInitialCount = 0x838;
constexpr uint32_t kCurrentCount = 0x839;
constexpr uint32_t kDivide = 0x83e;
constexpr uint32_t kDivideBy1 = 0xb;

inline uint64_t rdmsr(uint32_t msr) {
    uint32_t lo, hi;
    asm volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
    return (uint64_t{hi} << 32) | lo;
}
inline void wrmsr(uint32_t msr, uint64_t v) {
    asm volatile("wrmsr" ::"c"(msr), "a"(uint32_t(v)), "d"(uint32_t(v >> 32)));
}

// x2APIC mode, software-enabled, spurious vector 0xff.
inline void enable() {
    wrmsr(kApicBase, rdmsr(kApicBase) | (1u << 11) | (1u << 10));
    wrmsr(kSvr, 0x1ff);
}

// A one-shot timer on `vector` that fires after `count` bus cycles (1 ns each under KVM).
inline void arm_one_shot(uint8_t vector, uint32_t count) {
    wrmsr(kDivide, kDivideBy1);
    wrmsr(kLvtTimer, vector);
    wrmsr(kInitialCount, count);
}

inline bool irr_has(uint8_t vector) {
    return (rdmsr(kIrr + vector / 32) >> (vector % 32)) & 1;
}

} // namespace guest::x2apic
