// The VMI runtime (docs/design.md §2.3-2.4): find and validate a ROM, run its init, ask it how to
// bind every call, and patch the kernel's call sites. Any failure leaves the native code.
#pragma once

#include <stdint.h>
#include <vmi/vmi.h>
#include <vmirt/patch.hpp>
#include <vmirt/rom_validate.hpp>

namespace vmi {

struct BindParams {
    uint64_t phys_offset; // virtual = physical + phys_offset for the ROM scan window
    void* state_page;     // zeroed, writable, for the ROM's own state
    uint64_t state_phys;
    uint64_t state_size;
    uint32_t init_flags; // VMI_INIT_* the kernel guarantees
    const vmi_site* sites_begin;
    const vmi_site* sites_end;
};

enum class Outcome : uint8_t {
    Bound,      // a ROM is in use
    NoRom,      // nothing with the VMI signature in the scan window
    Rejected,   // a VMI ROM failed validation
    InitFailed, // a valid ROM's init returned an error
};

struct Report {
    Outcome outcome = Outcome::NoRom;
    RomCheck check = RomCheck::NoOptionRom; // why a ROM was rejected
    uint64_t rom_phys = 0;                  // where the ROM (or the rejected one) sits
    uint64_t foreign_rom_phys = 0;          // first option ROM without the VMI signature, or 0
    const char* rom_name = nullptr;
    uint16_t abi_major = 0, abi_minor = 0;
    uint32_t rom_version = 0; // major << 16 | minor
    uint32_t init_status = 0;
    uint32_t calls_rom = 0, calls_native = 0, calls_nop = 0; // per call number
    uint32_t sites = 0, sites_patched = 0, sites_bad = 0;
    uint64_t features = 0; // GET_FEATURES after binding (the header's if it stays native)
};

Report bind(const BindParams& params);

// The ROM bound by bind(), or null.
const RomInfo* bound_rom();

// How bind() bound `call` (Native before bind() or without a ROM).
Binding binding(uint32_t call);

// Where a Call binding of `call` goes (the ROM's entry, or code in its state), else 0: what a
// patched site calls, for callers that test the ROM's entries directly (run=conform).
uint64_t binding_target(uint32_t call);

// The bound ROM's image as the kernel mapped it, or null.
const uint8_t* bound_image();

const char* status_name(uint32_t status);

} // namespace vmi
