// From the PVH memory map to the physical ranges the frame allocator may hand out.
#pragma once

#include <stdint.h>
#include <vmirt/pvh.hpp>

namespace kernel::mm {

using vmi::pvh::kMemmapRam;
using vmi::pvh::MemmapEntry;

// Physical [start, end).
struct PhysRange {
    uint64_t start;
    uint64_t end;
};

struct UsableRangesParams {
    const MemmapEntry* map;
    unsigned entries;
    uint64_t floor;   // nothing below (boot structures)
    uint64_t ceiling; // nothing above (the end of the kernel window)
    const PhysRange* holes;
    unsigned hole_count;
};

// RAM entries clipped to [floor, ceiling), shrunk to whole pages, minus the holes (kernel image,
// boot information), sorted and without overlaps. Writes at most `max` ranges; returns how many.
unsigned usable_ranges(const UsableRangesParams& params, PhysRange* out, unsigned max);

// The end of the highest entry of any type that starts below `ceiling`, clipped to it: the top
// of what the kernel window needs to map (RAM, and firmware tables next to it).
uint64_t memory_top(const MemmapEntry* map, unsigned entries, uint64_t ceiling);

} // namespace kernel::mm
