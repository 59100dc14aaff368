// The smallest useful guest: proves console output and the debug-exit status.
#include "lib/guest.hpp"

extern "C" int guest_main(const guest::StartInfo*) {
    guest::puts("hello from a PVH guest\n");
    guest::check(true, "reached long mode");
    return 0;
}
