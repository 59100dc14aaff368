// Loads an empty IDT and raises an exception: the CPU cannot deliver it and shuts down.
#include "lib/guest.hpp"

extern "C" int guest_main(const guest::StartInfo*) {
    guest::puts("about to triple fault\n");
    struct [[gnu::packed]] {
        uint16_t limit;
        uint64_t base;
    } idt{0, 0};
    // A non-canonical load raises #GP; with no IDT that becomes #DF, then shutdown.
    asm volatile("lidt %0; movq 0x8000000000000000, %%rax" ::"m"(idt) : "rax");
    guest::puts("FAIL: still running\n");
    return 1;
}
