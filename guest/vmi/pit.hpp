// The Intel 8254 PIT at its PC I/O ports (8254 data sheet): the native runtime's last way to
// learn the TSC frequency.
#pragma once

#include <stdint.h>

namespace vmi::native {

// TSC frequency measured against PIT channel 2 over ~10 ms; 0 if no PIT counts within a
// bounded time.
uint64_t pit_measure_tsc_hz();

} // namespace vmi::native
