// x86-64 4-level paging as the memory manager uses it (SDM vol. 3A §4.5): address types, entry
// bits, table indices and the page-fault error code. Pure definitions, built for the host too.
#pragma once

#include <stdint.h>

namespace kernel::mm {

// A guest-physical address; never dereferenced, only translated through a window.
struct PhysAddr {
    uint64_t value = 0;

    constexpr PhysAddr() = default;
    constexpr explicit PhysAddr(uint64_t v) : value(v) {}
    constexpr bool null() const { return value == 0; }
    constexpr uint64_t frame_number() const { return value >> 12; }
    friend constexpr bool operator==(PhysAddr, PhysAddr) = default;
};

inline constexpr uint64_t kPageSize = 4096;
inline constexpr uint64_t kLargePageSize = 2ull << 20; // a PDE with PS=1 (SDM §4.5.4, Table 4-17)
inline constexpr unsigned kEntriesPerTable = 512;

// The lower half of the canonical address space belongs to the process (PML4 entries 0-255).
inline constexpr uint64_t kUserTop = 0x0000800000000000ull;
inline constexpr unsigned kUserEntries = 256;
inline constexpr unsigned kKernelWindowEntry = 511; // PML4 entry of the shared kernel half

// Table levels as ALLOCATE_PAGE numbers them (docs/spec.md §4): 1 = page table ... 4 = PML4.
inline constexpr unsigned kLevelPt = 1;
inline constexpr unsigned kLevelPd = 2;
inline constexpr unsigned kLevelPdpt = 3;
inline constexpr unsigned kLevelPml4 = 4;

// Paging-structure entry bits (SDM §4.5.5, Tables 4-14 to 4-20).
inline constexpr uint64_t kPresent = 1ull << 0;
inline constexpr uint64_t kWritable = 1ull << 1;
inline constexpr uint64_t kUser = 1ull << 2;
inline constexpr uint64_t kWriteThrough = 1ull << 3; // PWT
inline constexpr uint64_t kCacheDisable = 1ull << 4; // PCD: with PWT, uncached (SDM §11.12.3)
inline constexpr uint64_t kAccessed = 1ull << 5;
inline constexpr uint64_t kDirty = 1ull << 6;
inline constexpr uint64_t kLarge = 1ull << 7;  // PS: this PDE maps 2 MiB (PDPTE: 1 GiB)
inline constexpr uint64_t kGlobal = 1ull << 8; // survives CR3 writes when CR4.PGE = 1 (§4.10.2.4)
// Bits 9-10 are ignored by the processor in every entry: software's to use.
inline constexpr uint64_t kCopyOnWrite = 1ull << 9; // read-only now, private copy on write
inline constexpr uint64_t kAddressMask = 0x000ffffffffff000ull;      // bits 51:12
inline constexpr uint64_t kLargeAddressMask = 0x000fffffffe00000ull; // bits 51:21 (bit 12 is PAT)
// Flags a caller may pass to map(): everything but the address and Present.
inline constexpr uint64_t kMappingFlags = kWritable | kUser | kWriteThrough | kCacheDisable |
                                          kAccessed | kDirty | kLarge | kGlobal | kCopyOnWrite;

// Page-fault error code (SDM §4.7, Figure 4-12).
inline constexpr uint64_t kFaultPresent = 1u << 0; // 0: not-present page, 1: protection
inline constexpr uint64_t kFaultWrite = 1u << 1;
inline constexpr uint64_t kFaultUser = 1u << 2;     // the access was made at CPL3
inline constexpr uint64_t kFaultReserved = 1u << 3; // a reserved bit was set in an entry
inline constexpr uint64_t kFaultFetch = 1u << 4;

// Bytes one entry of a table at `level` covers: 4 KiB, 2 MiB, 1 GiB, 512 GiB.
constexpr uint64_t level_span(unsigned level) {
    return 1ull << (12 + 9 * (level - 1));
}

// Index of `va` in the table of `level` (SDM §4.5.4: bits 47:39, 38:30, 29:21, 20:12).
constexpr unsigned table_index(uint64_t va, unsigned level) {
    return static_cast<unsigned>((va >> (12 + 9 * (level - 1))) & 511);
}

// Bits 63:48 must copy bit 47 (SDM vol. 1 §3.3.7.1).
constexpr bool canonical(uint64_t va) {
    const uint64_t top = va >> 47;
    return top == 0 || top == 0x1ffff;
}

constexpr uint64_t page_floor(uint64_t a) {
    return a & ~(kPageSize - 1);
}
constexpr bool page_aligned(uint64_t a) {
    return (a & (kPageSize - 1)) == 0;
}

} // namespace kernel::mm
