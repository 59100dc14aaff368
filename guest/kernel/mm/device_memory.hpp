// Device memory in the kernel half of every address space: physical [3 GiB, 4 GiB), where PCs
// and emulators put the local APIC, the I/O APIC and virtio-mmio transports, appears at -1 GiB,
// right above the kernel window. Mapped uncached (PCD and PWT: UC under the default PAT, SDM
// vol. 3A §11.12.3) and, like the rest of the kernel half, reachable by the kernel at CPL3 under
// a deprivileging ROM (docs/monitor.md, "Two roots").
#pragma once

#include <stdint.h>

namespace kernel::mm {

// Maps the pages of physical [phys, phys + bytes) and returns the virtual address of `phys`,
// or null outside [3 GiB, 4 GiB) or without memory for a page table. Pages already mapped stay.
void* map_device(uint64_t phys, uint64_t bytes);

} // namespace kernel::mm
