// The kernel's frame fills and copies go through VMI: natively one string instruction each,
// with a ROM possibly one exit to a hypervisor that does it at host speed.
#include "bytes.hpp"

#include <vmirt/ops.hpp>

namespace kernel::mm {

void zero_frame(void* page, uint64_t phys) {
    vmi::zero_page(page, phys);
}

void copy_frame(void* dst, const void* src, uint64_t dst_phys, uint64_t src_phys) {
    vmi::copy_page(dst, src, dst_phys, src_phys);
}

} // namespace kernel::mm
