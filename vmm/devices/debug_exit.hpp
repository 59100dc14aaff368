// isa-debug-exit compatible port (QEMU hw/misc/debugexit.c semantics): a write of v asks the
// VMM to stop with guest status v. QEMU exits with (v << 1) | 1; `vmi run` exits with v.
#pragma once

#include "devices/port_device.hpp"

#include <cstdint>
#include <optional>

namespace vmm {

class DebugExit final : public PortDevice {
  public:
    static constexpr std::uint16_t kPort = 0xf4;
    static constexpr std::uint16_t kPortCount = 4;

    std::uint32_t read(std::uint16_t, unsigned) override { return 0; }
    void write(std::uint16_t, unsigned, std::uint32_t value) override {
        if (!status_) status_ = value;
    }
    std::optional<std::uint32_t> status() const { return status_; }

  private:
    std::optional<std::uint32_t> status_;
};

} // namespace vmm
