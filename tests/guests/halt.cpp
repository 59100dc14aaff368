// Halts with interrupts disabled and never uses the debug-exit port.
#include "lib/guest.hpp"

extern "C" int guest_main(const guest::StartInfo*) {
    guest::puts("halting with interrupts disabled\n");
    for (;;)
        asm volatile("cli; hlt");
}
