// Address-space facts set up by pvh_entry.S, shared by the runtime and the kernel.
#pragma once

#include <stdint.h>

namespace vmi::boot {

// Physical memory [0, kBootMapBytes) is mapped both at 0 and at kKernelBase; the kernel is
// linked at kKernelBase + its physical load address (-mcmodel=kernel).
inline constexpr uint64_t kKernelBase = 0xffffffff80000000ull;
inline constexpr uint64_t kBootMapBytes = 1ull << 30;

inline void* phys_to_virt(uint64_t phys) {
    return reinterpret_cast<void*>(phys + kKernelBase);
}
inline uint64_t virt_to_phys(const void* virt) {
    return reinterpret_cast<uint64_t>(virt) - kKernelBase;
}

} // namespace vmi::boot

// Defined by the kernel: called on the boot stack, in long mode, interrupts off.
extern "C" [[noreturn]] void vmi_boot_main(uint64_t start_info_phys);
