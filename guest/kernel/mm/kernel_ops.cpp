#include "kernel_ops.hpp"

#include <vmirt/ops.hpp>

namespace kernel::mm {

namespace detail {
FrameAllocator g_frames;
PhysAddr g_kernel_pdpt;
PhysAddr g_current_root;
MmuCounters g_counters;
} // namespace detail

using detail::g_counters;

// SET_PTE when no processor can hold the old entry (unused slot, or a table no loaded CR3
// reaches); UPDATE_PTE otherwise, so that a shadowing ROM can update its copy (docs/spec.md §4).
void KernelOps::write(uint64_t* entry, uint64_t value, bool live) const {
    if (live) {
        ++g_counters.update_pte;
        vmi::update_pte(entry, value);
    } else {
        ++g_counters.set_pte;
        vmi::set_pte(entry, value);
    }
}

void KernelOps::set_run(uint64_t* first, unsigned count, uint64_t value, uint64_t step) const {
    g_counters.set_pte += count;
    for (uint64_t* entry = first; entry != first + count; ++entry, value += step)
        vmi::set_pte(entry, value);
}

void KernelOps::allocate_table(PhysAddr table, unsigned level) const {
    ++g_counters.allocate_page;
    vmi::allocate_page(table.frame_number(), level | VMI_PAGE_ZEROED);
}

void KernelOps::release_table(PhysAddr table, unsigned level) const {
    ++g_counters.release_page;
    vmi::release_page(table.frame_number(), level);
}

void KernelOps::invalidate(uint64_t va) const {
    ++g_counters.inval_page;
    vmi::inval_page(reinterpret_cast<const void*>(va));
}

// Non-global entries only: the kernel window is global and never changes after boot.
void KernelOps::flush_tlb() const {
    ++g_counters.flush_tlb;
    vmi::flush_tlb(VMI_FLUSH_TLB);
}

void KernelOps::set_lazy(bool on) const {
    ++g_counters.set_lazy_mode;
    vmi::set_lazy_mode(on ? VMI_LAZY_MMU : VMI_LAZY_OFF);
}

void KernelOps::load_root(PhysAddr pml4) const {
    ++g_counters.set_cr3;
    detail::g_current_root = pml4;
    vmi::set_cr3(pml4.value);
}

} // namespace kernel::mm
