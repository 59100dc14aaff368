// What the benchmark guests and `vmm-pio-bench` agree on. Included by freestanding guest code and
// by the host, so it holds constants only.
#pragma once

#include <stdint.h>

namespace bench_guest {

// Debug-exit status of a benchmark guest that did its work. Non-zero so that a QEMU exit of 1
// (QEMU's own error status, and also (0 << 1) | 1) is never mistaken for success.
inline constexpr uint32_t kStatusOk = 42;
// The guest could not parse its command line.
inline constexpr uint32_t kStatusBadCmdline = 3;

// pio_loop writes here: the POST-code port, which no VMM device claims, so every write is a
// full exit to userspace that the IoBus ignores.
inline constexpr uint16_t kLoopPort = 0x80;
// Command-line key of the loop count ("iters=N") and the count used without one.
inline constexpr char kItersKey[] = "iters=";
inline constexpr uint64_t kDefaultIters = 1000;

} // namespace bench_guest
