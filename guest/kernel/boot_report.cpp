#include "boot_report.hpp"

#include "console.hpp"

namespace kernel {

void print_boot_report(const vmi::Report& r) {
#ifdef VMI_PURE_NATIVE
    (void)r;
    print("vmi: pure native build (no call sites), running native\n");
#else
    switch (r.outcome) {
    case vmi::Outcome::Bound:
        print("vmi: bound %u of %u calls to ROM \"%s\" %u.%u, ABI %u.%u%s (%u native, %u nop)\n",
              r.calls_rom, static_cast<unsigned>(VMI_CALL_COUNT), r.rom_name, r.rom_version >> 16,
              r.rom_version & 0xffff, r.abi_major, r.abi_minor,
              r.features & VMI_FEATURE_DEPRIVILEGED ? ", deprivileged" : "", r.calls_native,
              r.calls_nop);
        break;
    case vmi::Outcome::Rejected:
        print("vmi: no ROM (%s at 0x%lx), running native\n", vmi::rom_check_reason(r.check),
              r.rom_phys);
        break;
    case vmi::Outcome::InitFailed:
        print("vmi: no ROM (\"%s\" at 0x%lx: init failed: status %u (%s)), running native\n",
              r.rom_name, r.rom_phys, r.init_status, vmi::status_name(r.init_status));
        break;
    case vmi::Outcome::NoRom:
        if (r.foreign_rom_phys)
            print("vmi: no ROM (bad signature at 0x%lx), running native\n", r.foreign_rom_phys);
        else
            print("vmi: no ROM found, running native\n");
        break;
    }
#endif
}

} // namespace kernel
