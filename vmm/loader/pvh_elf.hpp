// Parser and loader for PVH ELF kernels: ELF64 x86-64 executables with a
// XEN_ELFNOTE_PHYS32_ENTRY note (Xen docs/misc/pvh.pandoc) and PT_LOAD segments at >= 1 MiB.
#pragma once

#include "memory/guest_memory.hpp"
#include "support/result.hpp"

#include <cstdint>
#include <span>
#include <vector>

namespace vmm {

inline constexpr std::uint32_t kXenElfNotePhys32Entry = 18;
inline constexpr std::uint64_t kMinLoadAddress = 1ull << 20;
inline constexpr std::size_t kMaxProgramHeaders = 64;
// The project's own note (owner "VMI64"): the least guest RAM the kernel runs in, 8 bytes.
// The VMM refuses a smaller --mem before boot instead of letting the kernel run out later.
inline constexpr char kVmiNoteOwner[] = "VMI64";
inline constexpr std::uint32_t kVmiNoteMinMemory = 1;

struct LoadSegment {
    std::uint64_t file_offset;
    std::uint64_t file_size;
    std::uint64_t paddr;
    std::uint64_t mem_size;
};

struct PvhImage {
    std::uint32_t entry; // 32-bit physical entry point
    std::vector<LoadSegment> segments;
    std::uint64_t min_memory = 0; // from the VMI64 note; 0 when absent
};

// Guest RAM the image needs: its highest loaded byte, or what its note declares if more.
std::uint64_t memory_needed(const PvhImage& image);

// Validates the whole image structurally; touches nothing outside `file`.
Result<PvhImage> parse_pvh_elf(std::span<const std::uint8_t> file);

// Copies the parsed segments into guest memory (zero-filling bss). Fails if a segment does not
// fit in guest RAM.
Result<void> load_pvh_segments(const PvhImage& image, std::span<const std::uint8_t> file,
                               GuestMemory& memory);

} // namespace vmm
