// Start-to-exit guest: exits at once with kStatusOk and touches no device, so the wall time of
// a run is only the monitor's own start-up, the guest's boot path and tear-down.
#include "bench_guest_abi.hpp"
#include "lib/guest.hpp"

extern "C" int guest_main(const guest::StartInfo*) {
    return bench_guest::kStatusOk;
}
