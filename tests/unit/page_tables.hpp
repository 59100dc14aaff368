// Builds x86-64 4-level page tables inside a GuestMemory for page-walk and hypercall tests
// (SDM vol. 3A §4.5): tables come from a pool of guest RAM, entries are written through the
// bounds-checked guest-memory interface like a guest kernel would write them.
#pragma once

#include "memory/guest_memory.hpp"
#include "memory/page_walk.hpp"

#include <cstdint>

namespace vmm::test {

inline constexpr std::uint64_t kPtePresent = 1ull << 0;
inline constexpr std::uint64_t kPteWritable = 1ull << 1;
inline constexpr std::uint64_t kPtePageSize = 1ull << 7;
inline constexpr std::uint64_t kPteNoExecute = 1ull << 63;

inline constexpr std::uint64_t k4KiB = 1ull << 12;
inline constexpr std::uint64_t k2MiB = 1ull << 21;
inline constexpr std::uint64_t k1GiB = 1ull << 30;

// CR0.PE|PG, CR4.PAE, EFER.LME|LMA: what a 64-bit kernel runs with.
inline constexpr std::uint64_t kCr0Paging = (1ull << 31) | 1;
inline constexpr std::uint64_t kCr4Pae = 1ull << 5;
inline constexpr std::uint64_t kCr4La57 = 1ull << 12;
inline constexpr std::uint64_t kEferLongMode = (1ull << 8) | (1ull << 10);

class PageTables {
  public:
    // Tables are allocated from [pool, pool + pool_size), which must be guest RAM.
    PageTables(GuestMemory& memory, std::uint64_t pool, std::uint64_t pool_size);

    std::uint64_t cr3() const { return pml4_; }
    PagingState paging() const { return {kCr0Paging, pml4_, kCr4Pae, kEferLongMode}; }

    // Maps one page of `page_size` (4 KiB, 2 MiB or 1 GiB) at `gva` to `gpa`; `extra` bits
    // are or-ed into the leaf entry.
    void map(std::uint64_t gva, std::uint64_t gpa, std::uint64_t page_size,
             std::uint64_t extra = 0);

    // Guest-physical address of the entry at `level` (4 = PML4 ... 1 = PT) on gva's path; the
    // tables above it must be present.
    std::uint64_t entry_address(std::uint64_t gva, int level) const;
    // The entry at `level` on gva's path, 0 if a table above it is missing.
    std::uint64_t entry(std::uint64_t gva, int level) const;
    void set_entry(std::uint64_t gva, int level, std::uint64_t value);

  private:
    std::uint64_t allocate();

    GuestMemory& memory_;
    std::uint64_t next_;
    std::uint64_t end_;
    std::uint64_t pml4_;
};

} // namespace vmm::test
