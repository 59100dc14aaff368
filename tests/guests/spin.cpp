// Never stops: the monitor's --timeout must end it.
#include "lib/guest.hpp"

extern "C" int guest_main(const guest::StartInfo*) {
    guest::puts("spinning forever\n");
    for (;;)
        asm volatile("pause");
}
