// Dispatches port I/O to devices by port range. Unclaimed ports read as all ones and ignore
// writes, as on a PC with nothing decoding the address.
#pragma once

#include "devices/port_device.hpp"
#include "support/result.hpp"

#include <cstdint>
#include <vector>

namespace vmm {

class IoBus {
  public:
    // Fails if the range is empty, leaves the port space or overlaps one already registered:
    // a device that silently went missing would only show as a guest reading all ones.
    [[nodiscard]] Result<void> add(std::uint16_t base, std::uint16_t count, PortDevice* device);

    // Returns false if no device claims the port (reads then yield all ones).
    bool read(std::uint16_t port, unsigned width, std::uint32_t& value);
    bool write(std::uint16_t port, unsigned width, std::uint32_t value);

  private:
    struct Range {
        std::uint16_t base;
        std::uint16_t count;
        PortDevice* device;
    };
    const Range* find(std::uint16_t port) const;
    std::vector<Range> ranges_;
};

} // namespace vmm
