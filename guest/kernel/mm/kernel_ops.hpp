// The kernel's PageTable Ops: every page-table change is a VMI call (docs/design.md §2.4,
// docs/spec.md §4), counted so that self-tests and benchmarks can report how many were made.
#pragma once

#include "frame_allocator.hpp"
#include "paging.hpp"

#include <stdint.h>
#include <vmirt/boot.hpp>

namespace kernel::mm {

// VMI MMU calls made since boot.
struct MmuCounters {
    uint64_t set_pte;
    uint64_t update_pte;
    uint64_t allocate_page;
    uint64_t release_page;
    uint64_t inval_page;
    uint64_t flush_tlb;
    uint64_t set_lazy_mode;
    uint64_t set_cr3;
};

namespace detail {
extern FrameAllocator g_frames;
extern PhysAddr g_kernel_pdpt;
extern PhysAddr g_current_root;
extern MmuCounters g_counters;
} // namespace detail

// The members that make VMI calls are defined in kernel_ops.cpp, not inline, so that each call
// has one site instead of one per inlined copy in every PageTable instance: fewer sites to
// patch at boot, and the MMU counters kept in one place. (Inline ones would be correct too: a
// site's record joins its function's COMDAT group, site.hpp, and is dropped with it.)
struct KernelOps {
    uint64_t read(const uint64_t* entry) const { return *entry; }
    void write(uint64_t* entry, uint64_t value, bool live) const;
    void set_run(uint64_t* first, unsigned count, uint64_t value, uint64_t step) const;
    void allocate_table(PhysAddr table, unsigned level) const;
    void release_table(PhysAddr table, unsigned level) const;
    void invalidate(uint64_t va) const;
    void flush_tlb() const;
    void set_lazy(bool on) const;
    void load_root(PhysAddr pml4) const;
    PhysAddr current_root() const { return detail::g_current_root; }
    uint64_t* table(PhysAddr t) const {
        return static_cast<uint64_t*>(vmi::boot::phys_to_virt(t.value));
    }
    FrameAllocator& frames() const { return detail::g_frames; }
    PhysAddr kernel_pdpt() const { return detail::g_kernel_pdpt; }
};

} // namespace kernel::mm
