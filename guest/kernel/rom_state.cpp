#include "rom_state.hpp"

namespace kernel {

namespace {

// .bss: zeroed by the loader and physically contiguous, as the ABI asks.
alignas(4096) uint8_t g_rom_state[kRomStateBytes];

} // namespace

uint8_t* rom_state() {
    return g_rom_state;
}

} // namespace kernel
