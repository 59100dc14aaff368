#include "frame_allocator.hpp"

#include "bytes.hpp"

namespace kernel::mm {

Result<void> FrameAllocator::init(uint64_t virt_offset, const PhysRange* ranges, unsigned count) {
    // Field by field rather than `*this = {}`: the range array needs no clearing, and every
    // store is an emulated instruction at boot.
    range_count_ = cursor_ = 0;
    dirty_ = zeroed_ = PhysAddr{};
    free_frames_ = 0;
    words_ = nullptr;
    virt_offset_ = virt_offset;
    if (count == 0) return Error::NoMemory;
    if (count > kMaxRanges) count = kMaxRanges;
    first_pfn_ = ranges[0].start / kPageSize;
    top_pfn_ = ranges[count - 1].end / kPageSize;
    const uint64_t word_pages = (top_pfn_ * sizeof(uint16_t) + kPageSize - 1) / kPageSize;

    bool carved = false;
    for (unsigned i = 0; i < count; ++i) {
        PhysRange r = ranges[i];
        if (!carved && (r.end - r.start) / kPageSize >= word_pages) {
            words_ = static_cast<uint16_t*>(virt(PhysAddr{r.start}));
            r.start += word_pages * kPageSize;
            carved = true;
        }
        if (r.start == r.end) continue;
        ranges_[range_count_++] = r;
        free_frames_ += (r.end - r.start) / kPageSize;
    }
    if (!carved || range_count_ == 0) return Error::NoMemory;
    next_ = ranges_[0].start;
    return {};
}

PhysAddr FrameAllocator::pop(PhysAddr& list) {
    const PhysAddr frame = list;
    auto* link = static_cast<uint64_t*>(virt(frame));
    list = PhysAddr{*link};
    *link = 0;
    return frame;
}

void FrameAllocator::push(PhysAddr& list, PhysAddr frame) {
    *static_cast<uint64_t*>(virt(frame)) = list.value;
    list = frame;
    words_[index(frame)] = 0;
    ++free_frames_;
}

Result<PhysAddr> FrameAllocator::alloc(Fill fill) {
    PhysAddr frame;
    bool zero = fill == Fill::Zero;
    if (zero && !zeroed_.null()) {
        frame = pop(zeroed_);
        zero = false;
    } else if (!dirty_.null()) {
        frame = pop(dirty_);
    } else {
        while (cursor_ < range_count_ && next_ == ranges_[cursor_].end)
            if (++cursor_ < range_count_) next_ = ranges_[cursor_].start;
        if (cursor_ < range_count_) {
            frame = PhysAddr{next_};
            next_ += kPageSize;
        } else if (!zeroed_.null()) {
            frame = pop(zeroed_);
        } else {
            return Error::NoMemory;
        }
    }
    --free_frames_;
    words_[index(frame)] = 1;
    if (zero) this->zero(frame);
    return frame;
}

void FrameAllocator::free(PhysAddr frame) {
    push(dirty_, frame);
}
void FrameAllocator::free_zeroed(PhysAddr frame) {
    push(zeroed_, frame);
}

bool FrameAllocator::ref(PhysAddr frame) {
    uint16_t& n = words_[index(frame)];
    if (n == kMaxRefs) return false;
    ++n;
    return true;
}

bool FrameAllocator::unref(PhysAddr frame) {
    uint16_t& n = words_[index(frame)];
    if (n > 1) {
        --n;
        return false;
    }
    free(frame);
    return true;
}

void FrameAllocator::zero(PhysAddr frame) const {
    zero_frame(virt(frame), frame.value);
}
void FrameAllocator::copy(PhysAddr dst, PhysAddr src) const {
    copy_frame(virt(dst), virt(src), dst.value, src.value);
}

} // namespace kernel::mm
