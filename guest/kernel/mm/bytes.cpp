#include "bytes.hpp"

namespace kernel::mm {

void copy_bytes(void* dst, const void* src, size_t n) {
    __builtin_memcpy(dst, src, n);
}

} // namespace kernel::mm
