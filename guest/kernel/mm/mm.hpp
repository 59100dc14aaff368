// The kernel's memory manager (docs/kernel.md, Memory): frames, address spaces, user faults and
// user copies. Everything but init() and the kernel's Ops is host-testable (tests/unit_kernel).
#pragma once

#include "areas.hpp"
#include "fault.hpp"
#include "frame_allocator.hpp"
#include "kernel_ops.hpp"
#include "page_table.hpp"
#include "paging.hpp"
#include "result.hpp"
#include "user_copy.hpp"

#include <stdint.h>

namespace kernel::mm {

// A process's (or the kernel's) address space: a PML4 whose entry 511 is the shared kernel
// half. Constant-initialised (no constructor runs at boot); create() before use.
class AddressSpace final : public PageTable<KernelOps> {};

// Builds the kernel's own page tables through VMI calls from the PVH memory map and switches
// to them: the kernel window maps physical [0, top of memory) at vmi::boot::kKernelBase with
// global 2 MiB pages, and the boot tables' identity map is gone. Call once, right after binding.
Result<void> init(uint64_t start_info_phys);

FrameAllocator& frames();
// The address space the kernel runs in when no process is loaded (only the kernel half).
AddressSpace& kernel_space();
const MmuCounters& mmu_counters();
// The physical end of the kernel window (2 MiB-aligned).
uint64_t window_top();

} // namespace kernel::mm
