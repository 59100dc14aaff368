// Host stand-ins for the kernel's VMI frame operations (guest/kernel/mm/frame_bytes.cpp).
#include "mm/bytes.hpp"
#include "mm/paging.hpp"

#include <cstring>

namespace kernel::mm {

void zero_frame(void* page, uint64_t) {
    std::memset(page, 0, kPageSize);
}

void copy_frame(void* dst, const void* src, uint64_t, uint64_t) {
    std::memcpy(dst, src, kPageSize);
}

} // namespace kernel::mm
