// Narrow interface of a port-I/O device model: registers addressed by offset and width.
#pragma once

#include <cstdint>

namespace vmm {

class PortDevice {
  public:
    virtual ~PortDevice() = default;
    // width is 1, 2 or 4 bytes; offset is relative to the device's base port.
    virtual std::uint32_t read(std::uint16_t offset, unsigned width) = 0;
    virtual void write(std::uint16_t offset, unsigned width, std::uint32_t value) = 0;
};

} // namespace vmm
