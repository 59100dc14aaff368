// virtio-mmio devices announced on the kernel command line, in Linux's syntax
// (`virtio_mmio.device=SIZE@BASE:IRQ[:ID]`, one word per device): QEMU microvm appends one per
// device it has, and our VMM announces its devices the same way (docs/virtio.md). Pure code,
// tested on the host (tests/unit_kernel).
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace kernel::virtio {

struct MmioDevice {
    uint64_t base;
    uint64_t size;
    uint32_t irq; // an I/O APIC pin (GSI)
};

struct MmioScan {
    unsigned found;     // devices written to the output
    unsigned malformed; // words with the key whose value did not parse, or beyond the output
};

// Parses a number as Linux's memparse does: 0x hex, leading 0 octal, else decimal, with an
// optional K, M or G suffix when `suffix`. Advances *p past it; false if no digit or overflow.
bool parse_number(const char** p, bool suffix, uint64_t* out);

// Every `virtio_mmio.device=` word of `cmdline`, in order. SIZE and BASE take memparse
// suffixes; a trailing `:ID` is accepted and ignored. A word that does not parse (size 0, a
// range that wraps, an IRQ beyond 32 bits, trailing junk) is counted, not returned.
MmioScan parse_mmio_devices(const char* cmdline, MmioDevice* out, unsigned max);

} // namespace kernel::virtio
