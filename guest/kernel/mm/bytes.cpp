#include "bytes.hpp"

#include "paging.hpp"

namespace kernel::mm {

void zero_page(void* page) {
    __builtin_memset(page, 0, kPageSize);
}
void copy_page(void* dst, const void* src) {
    __builtin_memcpy(dst, src, kPageSize);
}
void copy_bytes(void* dst, const void* src, size_t n) {
    __builtin_memcpy(dst, src, n);
}

} // namespace kernel::mm
