// The I/O APIC at its standard address (Intel 82093AA I/O APIC datasheet, §3): the kernel
// routes device pins (GSIs) to vectors of the boot CPU's local APIC. Both QEMU microvm and our
// VMM's in-kernel irqchip put one at 0xfec00000.
#pragma once

#include <stdint.h>

namespace kernel {

inline constexpr uint64_t kIoApicPhys = 0xfec00000;

// A redirection table entry (82093AA §3.2.4), decoded.
struct IoApicRoute {
    uint8_t vector = 0;
    uint8_t destination = 0; // physical destination mode: a local APIC ID
    bool level = false;      // trigger mode: false edge, true level
    bool active_low = false; // pin polarity
    bool masked = true;

    // The entry's 64 bits: fixed delivery, physical destination.
    constexpr uint64_t encode() const {
        return uint64_t{vector} | (active_low ? 1ull << 13 : 0) | (level ? 1ull << 15 : 0) |
               (masked ? 1ull << 16 : 0) | uint64_t{destination} << 56;
    }
};

// Maps the I/O APIC and reads how many pins it has; false if it is not there.
bool ioapic_init();
// Programs `pin`'s entry; false for a pin the I/O APIC does not have.
bool ioapic_route(unsigned pin, const IoApicRoute& route);
// Makes sure the boot CPU's local APIC accepts interrupts: the native runtime enables it only
// at its first use (the alarm), and a routed pin may come first.
void enable_local_apic();
// The boot CPU's local APIC ID (CPUID.1:EBX[31:24]), the destination of every route.
uint8_t boot_apic_id();

} // namespace kernel
