// PVH boot information (Xen public/arch-x86/hvm/start_info.h, version 1) and the low-memory
// layout where the VMM places it.
#pragma once

#include "memory/guest_memory.hpp"
#include "support/result.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace vmm {

inline constexpr std::uint32_t kHvmStartMagic = 0x336ec578;

struct HvmStartInfo {
    std::uint32_t magic;
    std::uint32_t version;
    std::uint32_t flags;
    std::uint32_t nr_modules;
    std::uint64_t modlist_paddr;
    std::uint64_t cmdline_paddr;
    std::uint64_t rsdp_paddr;
    std::uint64_t memmap_paddr; // version >= 1
    std::uint32_t memmap_entries;
    std::uint32_t reserved;
};
static_assert(sizeof(HvmStartInfo) == 56);
static_assert(offsetof(HvmStartInfo, cmdline_paddr) == 24);
static_assert(offsetof(HvmStartInfo, memmap_paddr) == 40);
static_assert(offsetof(HvmStartInfo, memmap_entries) == 48);

enum class E820Type : std::uint32_t { Ram = 1, Reserved = 2 };

struct HvmMemmapEntry {
    std::uint64_t addr;
    std::uint64_t size;
    E820Type type;
    std::uint32_t reserved;
};
static_assert(sizeof(HvmMemmapEntry) == 24);

// Guest-physical layout of what the VMM writes below 1 MiB before entry.
namespace boot_layout {
inline constexpr GuestPhysAddr kGdt{0x500};
inline constexpr GuestPhysAddr kStartInfo{0x6000};
inline constexpr GuestPhysAddr kMemmap{0x7000};
inline constexpr GuestPhysAddr kCmdline{0x8000};
inline constexpr std::size_t kCmdlineMax = 4096; // including the terminating NUL
// RAM below the legacy hole ends at the EBDA, as on PC firmware.
inline constexpr std::uint64_t kLowRamTop = 0x9fc00;
} // namespace boot_layout

// Writes the command line, memory map and start info; returns the start info's address.
Result<GuestPhysAddr> write_start_info(GuestMemory& memory, std::string_view cmdline);

} // namespace vmm
