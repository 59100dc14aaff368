// Checks the PVH start info the monitor built: magic, version, command line, memory map.
// Prints only facts that every PVH monitor must agree on, so output is comparable.
#include "lib/guest.hpp"

using namespace guest;

extern "C" int guest_main(const StartInfo* info) {
    check(info != nullptr && info->magic == 0x336ec578, "start info magic");
    check(info->version >= 1, "start info version >= 1");
    const char* cmdline = reinterpret_cast<const char*>(info->cmdline_paddr);
    check(cmdline != nullptr && streq(cmdline, "start_info_test=1 second=arg"),
          "command line passed through");

    bool has_low = false, has_high = false;
    uint64_t ram = 0;
    const auto* map = reinterpret_cast<const MemmapEntry*>(info->memmap_paddr);
    check(map != nullptr && info->memmap_entries > 0 && info->memmap_entries < 128,
          "memory map present");
    for (uint32_t i = 0; map && i < info->memmap_entries && i < 128; ++i) {
        if (map[i].type != 1 || map[i].size == 0) continue;
        ram += map[i].size;
        if (map[i].addr == 0) has_low = true;
        if (map[i].addr <= 0x100000 && map[i].addr + map[i].size > 0x200000) has_high = true;
    }
    check(has_low, "memory map has RAM at 0");
    check(has_high, "memory map has RAM from 1 MiB");
    // Both monitors get --mem/-m 64M; allow firmware-reserved pieces.
    check(ram > (60ull << 20) && ram <= (64ull << 20), "RAM total matches the configured 64 MiB");
    return failures() ? 1 : 0;
}
