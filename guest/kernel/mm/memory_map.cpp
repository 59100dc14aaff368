#include "memory_map.hpp"

#include "paging.hpp"

namespace kernel::mm {

namespace {

uint64_t min(uint64_t a, uint64_t b) {
    return a < b ? a : b;
}
uint64_t max(uint64_t a, uint64_t b) {
    return a > b ? a : b;
}
uint64_t page_ceil(uint64_t a) {
    return a > ~(kPageSize - 1) ? ~(kPageSize - 1) : page_floor(a + kPageSize - 1);
}

// The end of an entry, saturating instead of wrapping (firmware tables are trusted, not blindly).
uint64_t entry_end(const MemmapEntry& e) {
    const uint64_t end = e.addr + e.size;
    return end < e.addr ? ~0ull : end;
}

// Insertion sort by start: there are a handful of ranges.
void sort(PhysRange* r, unsigned n) {
    for (unsigned i = 1; i < n; ++i)
        for (unsigned j = i; j > 0 && r[j].start < r[j - 1].start; --j) {
            const PhysRange t = r[j];
            r[j] = r[j - 1];
            r[j - 1] = t;
        }
}

// Removes [hole.start, hole.end) from every range; a range split in two appends its upper part.
unsigned cut(PhysRange* r, unsigned n, unsigned max_n, PhysRange hole) {
    const uint64_t lo = page_floor(hole.start), hi = page_ceil(hole.end);
    for (unsigned i = 0; i < n; ++i) {
        if (hi <= r[i].start || lo >= r[i].end) continue;
        const PhysRange below{r[i].start, lo}, above{hi, r[i].end};
        const bool keep_below = below.start < below.end, keep_above = above.start < above.end;
        if (keep_below && keep_above) {
            r[i] = below;
            if (n < max_n) r[n++] = above; // no room: the upper part is lost, never double-used
        } else if (keep_below || keep_above) {
            r[i] = keep_below ? below : above;
        } else {
            r[i--] = r[--n];
        }
    }
    return n;
}

} // namespace

unsigned usable_ranges(const UsableRangesParams& p, PhysRange* out, unsigned max_n) {
    unsigned n = 0;
    for (unsigned i = 0; i < p.entries && n < max_n; ++i) {
        const MemmapEntry& e = p.map[i];
        if (e.type != kMemmapRam) continue;
        const uint64_t start = page_ceil(max(e.addr, p.floor));
        const uint64_t end = page_floor(min(entry_end(e), p.ceiling));
        if (start < end) out[n++] = {start, end};
    }
    // Trim overlaps so that no frame appears twice.
    sort(out, n);
    for (unsigned i = 1; i < n; ++i) {
        if (out[i].start < out[i - 1].end) out[i].start = out[i - 1].end;
        if (out[i].start >= out[i].end) {
            for (unsigned j = i + 1; j < n; ++j)
                out[j - 1] = out[j];
            --n;
            --i;
        }
    }
    for (unsigned h = 0; h < p.hole_count; ++h)
        n = cut(out, n, max_n, p.holes[h]);
    // Cuts may append out of order; sorted, the bump allocator hands out ascending addresses.
    sort(out, n);
    return n;
}

uint64_t memory_top(const MemmapEntry* map, unsigned entries, uint64_t ceiling) {
    uint64_t top = 0;
    for (unsigned i = 0; i < entries; ++i)
        if (map[i].size && map[i].addr < ceiling) top = max(top, min(entry_end(map[i]), ceiling));
    return top;
}

} // namespace kernel::mm
