// Rewriting one call site (docs/spec.md §7). Pure code over a byte buffer, host-testable.
#pragma once

#include <stdint.h>
#include <vmirt/result.hpp>

namespace vmi {

enum class Binding : uint8_t { Native, Call, Nop };

enum class PatchError : uint8_t {
    SiteTooShort = 1, // fewer than VMI_SITE_MIN_BYTES: cannot hold `call rel32`
    OutOfRange,       // the ROM entry is not within ±2 GiB of the site
};

// Largest site the runtime accepts; longer records are treated as corrupt.
inline constexpr uint8_t kMaxSiteBytes = 64;

// Writes the bytes for `binding` into `site` (its `length` bytes at address `site_addr`):
// Native leaves them alone; Call writes `E8 rel32` to `target` then NOPs; Nop writes NOPs.
Result<void, PatchError> patch_site(uint8_t* site, uint8_t length, uint64_t site_addr,
                                    Binding binding, uint64_t target);

// Fills `length` bytes with the fewest recommended multi-byte NOPs (SDM vol. 2B, "NOP").
void fill_nops(uint8_t* p, uint32_t length);

} // namespace vmi
