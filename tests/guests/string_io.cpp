// One `rep insl` on the console hypercall port with a count of 4: one instruction must not run
// the request four times. The monitor refuses it (vmi run: exit 83); a guest that gets past it
// reports how often its buffer was printed.
#include "lib/guest.hpp"

using namespace guest;

extern "C" int guest_main(const StartInfo*) {
    constexpr uint16_t kConsolePort = 0x561; // rom/vmm/hypercall_ports.h: VMM_HC_PORT_CONSOLE
    // rdi is both the request's buffer and the instruction's destination: room for 4 statuses.
    static char text[16] = "X\n";
    puts("rep insl on the console hypercall port\n");
    uint64_t rdi = reinterpret_cast<uint64_t>(text), rcx = 4;
    asm volatile("rep insl"
                 : "+c"(rcx), "+D"(rdi)
                 : "d"(kConsolePort), "S"(uint64_t{2})
                 : "memory");
    check(false, "string I/O on a hypercall port was served");
    return 1;
}
