// 16550A register map (National Semiconductor PC16550D datasheet, table II).
#pragma once

#include <cstdint>

namespace vmm::uart16550 {

inline constexpr std::uint16_t kCom1Base = 0x3f8;
inline constexpr std::uint16_t kPortCount = 8;

enum Reg : std::uint16_t {
    kRbrThr = 0, // receive buffer / transmit holding; divisor latch low when LCR.DLAB
    kIer = 1,    // interrupt enable; divisor latch high when LCR.DLAB
    kIirFcr = 2, // interrupt identification (read) / FIFO control (write)
    kLcr = 3,
    kMcr = 4,
    kLsr = 5,
    kMsr = 6,
    kScr = 7,
};

inline constexpr std::uint8_t kLcrDlab = 0x80;
inline constexpr std::uint8_t kLsrDataReady = 0x01;
inline constexpr std::uint8_t kLsrThrEmpty = 0x20;
inline constexpr std::uint8_t kLsrTransmitterEmpty = 0x40;
inline constexpr std::uint8_t kIirNoInterrupt = 0x01;
inline constexpr std::uint8_t kIirFifoEnabled = 0xc0;
inline constexpr std::uint8_t kFcrFifoEnable = 0x01;
inline constexpr std::uint8_t kMcrLoop = 0x10;
// MSR bits reported in loopback mode mirror MCR's OUT2/OUT1/RTS/DTR (datasheet, MCR bit 4).
inline constexpr std::uint8_t kMsrCts = 0x10, kMsrDsr = 0x20, kMsrRi = 0x40, kMsrDcd = 0x80;

} // namespace vmm::uart16550
