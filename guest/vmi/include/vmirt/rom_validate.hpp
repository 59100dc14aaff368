// Validation of a VMI-64 ROM image (docs/spec.md §3, §8). Pure code over a byte range: the guest
// runtime runs it on the scan window, host unit tests and the fuzzer run it on buffers.
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <vmirt/result.hpp>

namespace vmi {

enum class RomCheck : uint8_t {
    NoOptionRom = 1,  // no 0x55 0xAA here
    NotVmi,           // an option ROM without the VMI-64 signature
    BadLength,        // zero length or longer than the scan window
    TooSmall,         // shorter than the VMI-64 header
    BadChecksum,      // 8-bit sum not zero
    MajorMismatch,    // ABI major differs from the kernel's
    BadHeaderSize,    // header_size too small or beyond the image
    CallTableBounds,  // call table outside the image or misaligned
    EntryOutOfBounds, // init/reloc/call entry outside the image's code
    DataAreaBounds,   // data area outside the image
    BadString,        // name or license not a short NUL-terminated string in the image
};

const char* rom_check_reason(RomCheck check);

struct RomInfo {
    uint32_t size; // bytes, rom_length * 512
    uint16_t abi_major, abi_minor;
    uint32_t call_count;  // entries the kernel may consult (min of ROM's and kernel's)
    uint32_t rom_version; // the ROM's own version, major << 16 | minor
    const char* name;     // inside the image
    uint32_t state_table; // offset of the state call table (1.2), 0 if none
    uint32_t reloc;       // the reloc entry this kernel calls: reloc_args (1.2) if any, else reloc
    bool reloc_takes_args;
    uint32_t init;     // the init entry
    uint64_t features; // the header's VMI_FEATURE_* bits
};

// Checks everything the kernel relies on before it jumps into the image, in the order of
// docs/spec.md §8. `window` bytes are readable at `image`.
Result<RomInfo, RomCheck> validate_rom(const uint8_t* image, size_t window);

// Reads entry `call` of a validated image's call table (0 = not provided).
uint32_t rom_call_offset(const uint8_t* image, uint32_t call);

// Reads entry `call` of a validated image's state call table: an offset into the ROM's state.
uint32_t rom_state_call_offset(const uint8_t* image, const RomInfo& info, uint32_t call);

} // namespace vmi
