// Page-sized and byte copies for the memory manager. Kernel-mode instructions are emulated on the
// test bed (notes/testbed.md), so these compile to single `rep stos`/`rep movs` instructions
// rather than loops (guest/kernel/CMakeLists.txt sets the string strategy for bytes.cpp).
#pragma once

#include <stddef.h>

namespace kernel::mm {

void zero_page(void* page);
void copy_page(void* dst, const void* src);
void copy_bytes(void* dst, const void* src, size_t n);

} // namespace kernel::mm
