// User page faults (docs/kernel.md, Memory): demand-zero pages in registered areas and
// copy-on-write breaks; anything else is the process's own fault. The process code calls this
// from its #PF handler with CR2 and the error code (SDM vol. 3A §4.7).
#pragma once

#include "areas.hpp"
#include "page_table.hpp"
#include "paging.hpp"

#include <stdint.h>

namespace kernel::mm {

enum class FaultResult : uint8_t {
    Resolved, // retry the access
    Fatal,    // a bad access, or no memory left to resolve it
};

namespace detail {

// A write to a copy-on-write page: the last holder of the frame takes it over, others copy it.
template <typename Ops> FaultResult break_cow(PageTable<Ops>& as, uint64_t page, const Mapping& m) {
    FrameAllocator& frames = as.ops().frames();
    const PhysAddr old = m.frame();
    const uint64_t flags = kUser | kWritable | (m.entry & (kAccessed | kDirty));
    const bool counted = frames.owns(old);
    if (counted && frames.count(old) == 1)
        return as.remap(page, old, flags).ok() ? FaultResult::Resolved : FaultResult::Fatal;
    const Result<PhysAddr> copy = frames.alloc();
    if (!copy.ok()) return FaultResult::Fatal;
    frames.copy(copy.value(), old);
    if (!as.remap(page, copy.value(), flags).ok()) {
        frames.free(copy.value());
        return FaultResult::Fatal;
    }
    if (counted) frames.unref(old);
    return FaultResult::Resolved;
}

} // namespace detail

// Resolves a fault at `va` with the page-fault `error_code` in address space `as`.
template <typename Ops>
FaultResult handle_user_fault(PageTable<Ops>& as, const Areas& areas, uint64_t va,
                              uint64_t error_code) {
    if (va >= kUserTop || (error_code & kFaultReserved)) return FaultResult::Fatal;
    const bool write = (error_code & kFaultWrite) != 0;
    const uint64_t page = page_floor(va);
    // Trust the tables, not the error code: an entry may have changed since the access.
    const Mapping m = as.lookup(page);
    if (m.present()) {
        if (!(m.entry & kUser)) return FaultResult::Fatal;
        if (!write || (m.entry & kWritable)) {
            as.invalidate(page); // a stale TLB entry (SDM §4.10.4.3): the access may succeed now
            return FaultResult::Resolved;
        }
        if (!(m.entry & kCopyOnWrite)) return FaultResult::Fatal;
        return detail::break_cow(as, page, m);
    }
    const Area* area = areas.find(va);
    if (!area || (write && !(area->prot & kProtWrite))) return FaultResult::Fatal;
    FrameAllocator& frames = as.ops().frames();
    const Result<PhysAddr> frame = frames.alloc(Fill::Zero);
    if (!frame.ok()) return FaultResult::Fatal;
    const uint64_t flags = kUser | ((area->prot & kProtWrite) ? kWritable : 0);
    if (!as.map(page, frame.value(), flags).ok()) {
        frames.free(frame.value());
        return FaultResult::Fatal;
    }
    return FaultResult::Resolved;
}

} // namespace kernel::mm
