// The least guest RAM the kernel runs in, declared in its image (the VMI64 minimum-memory note,
// docs/architecture.md) so that a VMM refuses a smaller --mem before boot instead of the kernel
// running out of frames later. Frames come from 2 MiB up (mm.cpp); the self-tests need about
// 1 MiB of them.
#include <stdint.h>

namespace kernel {

namespace {

struct [[gnu::packed]] MinMemoryNote {
    uint32_t name_size, desc_size, type;
    char name[8]; // "VMI64" and its NUL, padded to 4 bytes (ELF gABI, "Note Section")
    uint64_t bytes;
};
static_assert(sizeof(MinMemoryNote) == 28);

// .note.pvh: guest/vmi/kernel.ld keeps it in the image's note segment.
[[gnu::section(".note.pvh"), gnu::used, gnu::aligned(4)]] const MinMemoryNote kMinMemory = {
    6, 8, 1, "VMI64", 4ull << 20};

} // namespace

} // namespace kernel
