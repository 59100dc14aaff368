// Declares in its image (the VMI64 minimum-memory note) that it needs 8 MiB of RAM, so the
// monitor refuses a smaller --mem before boot instead of letting it run out later.
#include "lib/guest.hpp"

// In .note.pvh so that guest/vmi/kernel.ld keeps it in the image's note segment.
asm(R"(
    .pushsection .note.pvh, "a"
    .balign 4
    .long 6, 8, 1          /* namesz ("VMI64\0"), descsz, type: minimum guest memory */
    .asciz "VMI64"
    .balign 4
    .quad 8 << 20
    .balign 4
    .popsection
)");

extern "C" int guest_main(const guest::StartInfo*) {
    guest::puts("booted with at least 8 MiB\n");
    return 0;
}
