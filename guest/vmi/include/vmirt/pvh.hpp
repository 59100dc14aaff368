// PVH boot information as a guest reads it (Xen public/arch-x86/hvm/start_info.h, version 1;
// docs/misc/pvh.pandoc). pvh_entry.S hands its physical address to vmi_boot_main.
#pragma once

#include <stdint.h>

namespace vmi::pvh {

inline constexpr uint32_t kStartInfoMagic = 0x336ec578;

struct StartInfo {
    uint32_t magic;
    uint32_t version;
    uint32_t flags;
    uint32_t nr_modules;
    uint64_t modlist_paddr;
    uint64_t cmdline_paddr;
    uint64_t rsdp_paddr;
    uint64_t memmap_paddr; // version >= 1
    uint32_t memmap_entries;
    uint32_t reserved;
};
static_assert(sizeof(StartInfo) == 56);

// struct hvm_memmap_table_entry; types are E820's.
struct MemmapEntry {
    uint64_t addr;
    uint64_t size;
    uint32_t type;
    uint32_t reserved;
};
static_assert(sizeof(MemmapEntry) == 24);

inline constexpr uint32_t kMemmapRam = 1;

} // namespace vmi::pvh
