// The private hypercall ports of rom/vmm (rom/vmm/hypercall_ports.h). Arguments are read from
// the vCPU registers after the exit, copied out of guest memory once, then validated.
#pragma once

#include "devices/port_device.hpp"
#include "devices/uart16550.hpp"
#include "kvm/kvm.hpp"
#include "memory/guest_memory.hpp"

#include <cstdint>
#include <optional>
#include <vector>

namespace vmm {

enum class PowerRequest { Shutdown, Reboot };

class HypercallDevice final : public PortDevice {
  public:
    HypercallDevice(Vcpu& vcpu, GuestMemory& memory, Uart16550::Sink console)
        : vcpu_(vcpu), memory_(memory), console_(std::move(console)) {}

    std::uint32_t read(std::uint16_t offset, unsigned width) override;
    void write(std::uint16_t offset, unsigned width, std::uint32_t value) override;

    std::optional<PowerRequest> power_request() const { return power_; }
    std::uint32_t shutdown_status() const { return status_; }

  private:
    std::uint32_t console_write();

    Vcpu& vcpu_;
    GuestMemory& memory_;
    Uart16550::Sink console_;
    std::vector<std::uint8_t> buffer_;
    std::optional<PowerRequest> power_;
    std::uint32_t status_ = 0;
};

} // namespace vmm
