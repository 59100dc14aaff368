// The steps of vmi::bind() after init (docs/spec.md §7): what each call is bound to, from the
// ROM's reloc answers checked against its tables, and the rewriting of the kernel's sites. Pure
// code over memory, host-testable (tests/unit/bindings_test.cpp).
#pragma once

#include <stdint.h>
#include <vmi/vmi.h>
#include <vmirt/patch.hpp>
#include <vmirt/rom_validate.hpp>

namespace vmi {

struct BindingPlan {
    Binding binding[VMI_CALL_COUNT];
    uint64_t target[VMI_CALL_COUNT]; // where a Call binding's `call rel32` goes
    uint32_t calls_rom = 0, calls_native = 0, calls_nop = 0;
};

struct BindingInputs {
    const uint8_t* image; // the validated ROM, as the kernel mapped it
    const RomInfo* info;  // what validate_rom parsed
    uint64_t rom_virt;    // image's address (for Call targets)
    uint64_t state_virt;  // the ROM's state and its size (for VMI_RELOC_CALL_STATE targets)
    uint64_t state_size;
    bool call_state; // the kernel understands VMI_RELOC_CALL_STATE (ABI 1.2)
};

// One reloc answer; `context` is the caller's.
using RelocQuery = uint32_t (*)(void* context, uint32_t call);

// Asks `reloc` about every call the ROM knows; answers it cannot honour (an empty or
// out-of-range entry, an unknown type) and calls beyond the ROM's count stay native.
void plan_bindings(const BindingInputs& in, RelocQuery reloc, void* context, BindingPlan& plan);

struct SiteCount {
    uint32_t patched = 0, bad = 0;
};

// Rewrites every site of [begin, end) bound other than natively; records with an unknown call
// or an implausible length, and sites that cannot be patched, are left alone and counted bad.
SiteCount patch_sites(const vmi_site* begin, const vmi_site* end, const BindingPlan& plan);

} // namespace vmi
