// Validation of a user program's ELF image before exec maps it. Pure code over bytes, so
// host tests and a fuzzer run it too.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace kernel {

struct ElfSegment {
    uint64_t vaddr;
    uint64_t file_offset;
    uint64_t file_size;
    uint64_t mem_size;
    bool writable;
    bool executable;
};

struct ElfImage {
    static constexpr unsigned kMaxSegments = 4;
    uint64_t entry;
    unsigned count;
    ElfSegment segments[kMaxSegments];
};

enum class ElfError : uint8_t {
    Ok,
    NotElf,
    Unsupported, // not ELF64 little-endian x86-64 executable
    BadHeaders,  // program headers outside the file or of the wrong size
    TooManySegments,
    BadSegment, // outside the file, filesz > memsz, or overlapping
    OutsideUserSpace,
    BadEntry, // entry not in an executable segment
};

// Segments must lie in [user_base, user_top) and be page-aligned in memory.
ElfError parse_elf_image(const uint8_t* data, size_t size, uint64_t user_base, uint64_t user_top,
                         ElfImage& out);

} // namespace kernel
