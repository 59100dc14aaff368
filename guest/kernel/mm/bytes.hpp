// Page-sized and byte copies for the memory manager. Kernel-mode instructions are emulated on the
// test bed (docs/testbed.md), so these compile to single `rep stos`/`rep movs` instructions
// rather than loops (guest/kernel/CMakeLists.txt sets the string strategy for bytes.cpp).
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace kernel::mm {

void copy_bytes(void* dst, const void* src, size_t n);

// Whole frames, given by both addresses: in the kernel these are vmi::zero_page/copy_page,
// which a ROM can hand to the hypervisor (frame_bytes.cpp); host tests use plain memory.
void zero_frame(void* page, uint64_t phys);
void copy_frame(void* dst, const void* src, uint64_t dst_phys, uint64_t src_phys);

} // namespace kernel::mm
