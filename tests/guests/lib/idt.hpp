// The test guests' interrupt descriptor table (SDM vol. 3A, "Interrupt Descriptor Table"): one
// 64-bit interrupt gate per vector a guest handles, in the guest's own code segment.
#pragma once

#include <stdint.h>

namespace guest::idt {

struct [[gnu::packed]] Gate {
    uint16_t offset_low;
    uint16_t selector;
    uint8_t ist;
    uint8_t type; // 0x8e: present, DPL 0, 64-bit interrupt gate
    uint16_t offset_mid;
    uint32_t offset_high;
    uint32_t reserved;
};
static_assert(sizeof(Gate) == 16);

struct [[gnu::packed]] Pointer {
    uint16_t limit;
    uint64_t base;
};

// Points `vector` at `isr` and loads the table.
inline void set_gate(uint8_t vector, void (*isr)()) {
    alignas(16) static Gate table[256];
    uint16_t cs;
    asm volatile("mov %%cs, %0" : "=r"(cs));
    const auto address = reinterpret_cast<uint64_t>(isr);
    table[vector] = {
        static_cast<uint16_t>(address),       cs, 0, 0x8e, static_cast<uint16_t>(address >> 16),
        static_cast<uint32_t>(address >> 32), 0};
    const Pointer idtr{sizeof table - 1, reinterpret_cast<uint64_t>(table)};
    asm volatile("lidt %0" ::"m"(idtr));
}

} // namespace guest::idt
