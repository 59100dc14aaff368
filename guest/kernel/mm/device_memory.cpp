#include "device_memory.hpp"

#include "mm.hpp"

namespace kernel::mm {

namespace {

constexpr uint64_t kDevicePhysBase = 3ull << 30;
constexpr uint64_t kDevicePhysEnd = 4ull << 30;
constexpr uint64_t kDeviceVirtBase = 0xffffffffc0000000ull;

} // namespace

void* map_device(uint64_t phys, uint64_t bytes) {
    if (phys < kDevicePhysBase || phys >= kDevicePhysEnd || bytes > kDevicePhysEnd - phys ||
        bytes == 0)
        return nullptr;
    for (uint64_t page = page_floor(phys); page < phys + bytes; page += kPageSize) {
        const auto r =
            kernel_space().map(kDeviceVirtBase + (page - kDevicePhysBase), PhysAddr{page},
                               kWritable | kGlobal | kCacheDisable | kWriteThrough);
        if (!r.ok() && r.error() != Error::AlreadyMapped) return nullptr;
    }
    return reinterpret_cast<void*>(kDeviceVirtBase + (phys - kDevicePhysBase));
}

} // namespace kernel::mm
