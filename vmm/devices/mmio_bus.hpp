// Dispatches MMIO exits to devices by guest-physical range. Unclaimed addresses read as all
// ones and ignore writes, as on a PC with nothing decoding the address.
#pragma once

#include "devices/mmio_device.hpp"
#include "memory/guest_addr.hpp"
#include "support/result.hpp"

#include <cstdint>
#include <vector>

namespace vmm {

class MmioBus {
  public:
    // Fails if the range is empty, wraps around the address space or overlaps one already
    // registered.
    [[nodiscard]] Result<void> add(GuestPhysAddr base, std::uint64_t size, MmioDevice* device);

    // Returns false if no device claims all of [addr, addr+width) (reads then yield all ones).
    bool read(GuestPhysAddr addr, unsigned width, std::uint64_t& value);
    bool write(GuestPhysAddr addr, unsigned width, std::uint64_t value);

  private:
    struct Range {
        GuestPhysAddr base;
        std::uint64_t size;
        MmioDevice* device;
    };
    const Range* find(GuestPhysAddr addr, unsigned width) const;
    std::vector<Range> ranges_;
};

} // namespace vmm
