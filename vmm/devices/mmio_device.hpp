// Narrow interface of a memory-mapped device model: registers addressed by offset and width.
#pragma once

#include <cstdint>

namespace vmm {

class MmioDevice {
  public:
    virtual ~MmioDevice() = default;
    // width is 1 to 8 bytes; offset is relative to the device's base address. Values are
    // little-endian, as the guest's access sees them.
    virtual std::uint64_t read(std::uint64_t offset, unsigned width) = 0;
    virtual void write(std::uint64_t offset, unsigned width, std::uint64_t value) = 0;
};

} // namespace vmm
