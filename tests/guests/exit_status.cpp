// Exits with a fixed non-zero status: harnesses must pass it through unchanged.
#include "lib/guest.hpp"

extern "C" int guest_main(const guest::StartInfo*) {
    guest::puts("exiting with status 42\n");
    return 42;
}
