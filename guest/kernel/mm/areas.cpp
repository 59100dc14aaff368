#include "areas.hpp"

#include "paging.hpp"

namespace kernel::mm {

namespace {

bool valid_range(uint64_t start, uint64_t end) {
    return page_aligned(start) && page_aligned(end) && start >= kPageSize && start < end &&
           end <= kUserTop;
}

} // namespace

Result<void> Areas::add(uint64_t start, uint64_t end, uint32_t prot) {
    if (!valid_range(start, end) || prot == 0 || (prot & ~(kProtRead | kProtWrite | kProtExec)))
        return Error::BadAddress;
    for (unsigned i = 0; i < count_; ++i)
        if (start < areas_[i].end && areas_[i].start < end) return Error::Overlap;
    if (count_ == kMax) return Error::Full;
    areas_[count_++] = Area{start, end, prot};
    return {};
}

Result<void> Areas::remove(uint64_t start, uint64_t end) {
    if (!valid_range(start, end)) return Error::BadAddress;
    // Areas are disjoint, so at most one strictly contains the range and needs a second slot.
    for (unsigned i = 0; i < count_; ++i)
        if (areas_[i].start < start && end < areas_[i].end && count_ == kMax) return Error::Full;
    for (unsigned i = 0; i < count_; ++i) {
        Area& a = areas_[i];
        if (end <= a.start || a.end <= start) continue;
        if (a.start < start && end < a.end) {
            areas_[count_++] = Area{end, a.end, a.prot};
            a.end = start;
        } else if (a.start < start) {
            a.end = start;
        } else if (end < a.end) {
            a.start = end;
        } else {
            areas_[i--] = areas_[--count_];
        }
    }
    return {};
}

const Area* Areas::find(uint64_t va) const {
    for (unsigned i = 0; i < count_; ++i)
        if (areas_[i].start <= va && va < areas_[i].end) return &areas_[i];
    return nullptr;
}

} // namespace kernel::mm
