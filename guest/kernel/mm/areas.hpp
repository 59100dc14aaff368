// The user ranges of an address space that may be filled on demand (docs/kernel.md): image,
// stack, mmap. A fault in an area maps a zeroed page; a fault anywhere else is the process's.
#pragma once

#include "result.hpp"

#include <stdint.h>

namespace kernel::mm {

inline constexpr uint32_t kProtRead = 1;
inline constexpr uint32_t kProtWrite = 2;
inline constexpr uint32_t kProtExec = 4;

// User virtual [start, end), page-aligned.
struct Area {
    uint64_t start = 0;
    uint64_t end = 0;
    uint32_t prot = 0;
};

class Areas {
  public:
    static constexpr unsigned kMax = 16;

    // Page-aligned, inside [kPageSize, kUserTop) (page 0 stays unmapped so that null pointers
    // fault), disjoint from every other area.
    Result<void> add(uint64_t start, uint64_t end, uint32_t prot);
    // Takes [start, end) out of every area it overlaps, splitting one if needed (munmap).
    Result<void> remove(uint64_t start, uint64_t end);
    const Area* find(uint64_t va) const;
    void clear() { count_ = 0; }

    unsigned count() const { return count_; }
    const Area& operator[](unsigned i) const { return areas_[i]; }

  private:
    Area areas_[kMax];
    unsigned count_ = 0;
};

} // namespace kernel::mm
