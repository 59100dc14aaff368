// Physical 4 KiB frames (docs/kernel.md, Memory). Kept cheap for an emulated kernel mode: no
// pass over the frames at boot, allocation is a free-list pop or a bump of the current range.
// Zeroing a frame costs about 1.5 million cycles at CPL0 on the test bed (any instruction form),
// so frames known to be zero (released page tables, cleared entry by entry) are kept on a list
// of their own and preferred when a zeroed frame is asked for.
// Every frame below the top of the ranges has one 16-bit word, written when the frame is
// allocated (so it never needs initialising): the reference count of a data frame (copy-on-write
// sharing), or the occupancy summary of a page-table frame (PageTable keeps it).
#pragma once

#include "memory_map.hpp"
#include "paging.hpp"
#include "result.hpp"

#include <stdint.h>

namespace kernel::mm {

enum class Fill : uint8_t { Any, Zero };

class FrameAllocator {
  public:
    static constexpr unsigned kMaxRanges = 16;
    static constexpr uint16_t kMaxRefs = 0xffff;

    // `ranges`: sorted, disjoint, page-aligned (usable_ranges()). The per-frame words are carved
    // from the start of the first range that can hold them. virtual = physical + virt_offset for
    // every frame (the kernel window; in host tests, a buffer).
    Result<void> init(uint64_t virt_offset, const PhysRange* ranges, unsigned count);

    // A frame with reference count 1.
    Result<PhysAddr> alloc(Fill fill = Fill::Any);
    // Returns a frame regardless of its count (page tables, or a count of 1).
    void free(PhysAddr frame);
    // Returns a frame whose every byte is zero; also how a zeroed frame outside the ranges (the
    // kernel's .bss) can be handed to the allocator.
    void free_zeroed(PhysAddr frame);
    // Another reference (a COW mapping); false if the count is saturated.
    [[nodiscard]] bool ref(PhysAddr frame);
    // Drops a reference; frees the frame and returns true when it was the last one.
    bool unref(PhysAddr frame);
    // The reference count of an allocated data frame (undefined for free frames).
    uint16_t count(PhysAddr frame) const { return words_[index(frame)]; }
    // Occupancy summary of a page-table frame: bit i set if entries [32i, 32i+32) may be present.
    uint16_t& table_summary(PhysAddr table) { return words_[index(table)]; }

    // Whether the frame lies in the allocator's ranges (its references are counted).
    bool owns(PhysAddr frame) const {
        return frame.frame_number() >= first_pfn_ && frame.frame_number() < top_pfn_;
    }
    uint64_t free_frames() const { return free_frames_; }

    void* virt(PhysAddr p) const { return reinterpret_cast<void*>(p.value + virt_offset_); }
    void zero(PhysAddr frame) const;
    void copy(PhysAddr dst, PhysAddr src) const;

  private:
    // Words cover every frame from 0, so frames below the ranges (the kernel image) have one too.
    static uint64_t index(PhysAddr frame) { return frame.frame_number(); }
    PhysAddr pop(PhysAddr& list);
    void push(PhysAddr& list, PhysAddr frame);

    PhysRange ranges_[kMaxRanges] = {};
    unsigned range_count_ = 0;
    unsigned cursor_ = 0; // range the bump pointer is in
    uint64_t next_ = 0;   // bump pointer: next never-used frame in ranges_[cursor_]
    // Freed frames, linked through their first 8 bytes (cleared again when a zeroed one leaves).
    PhysAddr dirty_, zeroed_;
    uint64_t free_frames_ = 0;
    uint64_t virt_offset_ = 0;
    uint16_t* words_ = nullptr;
    uint64_t first_pfn_ = 0, top_pfn_ = 0;
};

} // namespace kernel::mm
