// The private hypercall ports of rom/vmm (rom/vmm/hypercall_ports.h). Arguments are read from
// the vCPU registers after the exit, copied out of guest memory once, then validated.
#pragma once

#include "devices/port_device.hpp"
#include "devices/uart16550.hpp"
#include "memory/guest_memory.hpp"
#include "memory/page_walk.hpp"
#include "support/result.hpp"

#include <cstdint>
#include <functional>
#include <optional>
#include <utility>
#include <vector>

namespace vmm {

enum class PowerRequest { Shutdown, Reboot };

// What a hypercall needs from the vCPU that made it: the argument registers and the paging
// state that gives guest-virtual pointers their meaning.
struct GuestContext {
    std::uint64_t rdi = 0;
    std::uint64_t rsi = 0;
    PagingState paging{};
    std::uint64_t rcx = 0;
    std::uint64_t r8 = 0;
};

class HypercallDevice final : public PortDevice {
  public:
    // Reads the calling vCPU's context after the exit; injected so that tests need no KVM.
    using ContextReader = std::function<Result<GuestContext>()>;

    HypercallDevice(ContextReader context, GuestMemory& memory, Uart16550::Sink console)
        : context_(std::move(context)), memory_(memory), console_(std::move(console)) {}

    std::uint32_t read(std::uint16_t offset, unsigned width) override;
    void write(std::uint16_t offset, unsigned width, std::uint32_t value) override;

    std::optional<PowerRequest> power_request() const { return power_; }
    std::uint32_t shutdown_status() const { return status_; }

  private:
    std::uint32_t console_write();
    std::uint32_t zero_page();
    std::uint32_t copy_page();

    ContextReader context_;
    GuestMemory& memory_;
    Uart16550::Sink console_;
    std::vector<std::uint8_t> buffer_;
    std::optional<PowerRequest> power_;
    std::uint32_t status_ = 0;
};

} // namespace vmm
