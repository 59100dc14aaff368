// Guest-virtual to guest-physical translation by walking the guest's 4-level page tables
// (SDM vol. 3A §4.5), for hypercalls that take kernel pointers. Every table read is a
// bounds-checked guest-memory read; a bad table yields an error, never a host fault.
#pragma once

#include "memory/guest_memory.hpp"
#include "support/result.hpp"

#include <cstdint>
#include <span>

namespace vmm {

struct PagingState {
    std::uint64_t cr0;
    std::uint64_t cr3;
    std::uint64_t cr4;
    std::uint64_t efer;
};

Result<GuestPhysAddr> translate(GuestMemory& memory, const PagingState& paging, std::uint64_t gva);

// Copies [gva, gva+out.size()) page by page into out.
Result<void> read_virtual(GuestMemory& memory, const PagingState& paging, std::uint64_t gva,
                          std::span<std::uint8_t> out);

} // namespace vmm
