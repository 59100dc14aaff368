// PVH start info as the kernel reads it (Xen public/arch-x86/hvm/start_info.h, version 1).
#pragma once

#include <stdint.h>

namespace kernel {

struct StartInfo {
    uint32_t magic;
    uint32_t version;
    uint32_t flags;
    uint32_t nr_modules;
    uint64_t modlist_paddr;
    uint64_t cmdline_paddr;
    uint64_t rsdp_paddr;
    uint64_t memmap_paddr;
    uint32_t memmap_entries;
    uint32_t reserved;
};
static_assert(sizeof(StartInfo) == 56);

inline constexpr uint32_t kStartInfoMagic = 0x336ec578;

} // namespace kernel
