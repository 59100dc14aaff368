// The memory the kernel gives a ROM for its own state (vmi_init_args.state_virt).
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace kernel {

// 64 KiB covers a deprivileged ROM's monitor (docs/spec.md §9).
inline constexpr size_t kRomStateBytes = 64 * 1024;

uint8_t* rom_state();

} // namespace kernel
