// 16550A UART model: transmit goes to a byte sink at once (the line is never busy); receive is
// not wired yet, so RBR reads 0 and LSR never reports data ready. No interrupts are raised.
#pragma once

#include "devices/port_device.hpp"

#include <cstdint>
#include <functional>

namespace vmm {

class Uart16550 final : public PortDevice {
  public:
    using Sink = std::function<void(std::uint8_t)>;
    explicit Uart16550(Sink sink) : sink_(std::move(sink)) {}

    std::uint32_t read(std::uint16_t offset, unsigned width) override;
    void write(std::uint16_t offset, unsigned width, std::uint32_t value) override;

  private:
    bool dlab() const;

    Sink sink_;
    std::uint8_t ier_ = 0;
    std::uint8_t fcr_ = 0;
    std::uint8_t lcr_ = 0x03; // 8N1
    std::uint8_t mcr_ = 0;
    std::uint8_t scr_ = 0;
    std::uint16_t divisor_ = 12; // 9600 baud
};

} // namespace vmm
