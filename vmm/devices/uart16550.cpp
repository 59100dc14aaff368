#include "devices/uart16550.hpp"

#include "devices/uart16550_regs.hpp"

namespace vmm {

using namespace uart16550;

bool Uart16550::dlab() const {
    return (lcr_ & kLcrDlab) != 0;
}

std::uint32_t Uart16550::read(std::uint16_t offset, unsigned /*width*/) {
    switch (offset) {
    case kRbrThr:
        return dlab() ? divisor_ & 0xff : 0;
    case kIer:
        return dlab() ? divisor_ >> 8 : ier_;
    case kIirFcr:
        return kIirNoInterrupt | ((fcr_ & kFcrFifoEnable) ? kIirFifoEnabled : 0);
    case kLcr:
        return lcr_;
    case kMcr:
        return mcr_;
    case kLsr:
        return kLsrThrEmpty | kLsrTransmitterEmpty;
    case kMsr: {
        if (!(mcr_ & kMcrLoop)) return kMsrCts | kMsrDsr | kMsrDcd;
        // Loopback: DTR->DSR, RTS->CTS, OUT1->RI, OUT2->DCD.
        std::uint8_t v = 0;
        if (mcr_ & 0x01) v |= kMsrDsr;
        if (mcr_ & 0x02) v |= kMsrCts;
        if (mcr_ & 0x04) v |= kMsrRi;
        if (mcr_ & 0x08) v |= kMsrDcd;
        return v;
    }
    case kScr:
        return scr_;
    default:
        return 0xff;
    }
}

void Uart16550::write(std::uint16_t offset, unsigned /*width*/, std::uint32_t value) {
    const auto byte = static_cast<std::uint8_t>(value);
    switch (offset) {
    case kRbrThr:
        if (dlab()) {
            divisor_ = static_cast<std::uint16_t>((divisor_ & 0xff00) | byte);
        } else if (!(mcr_ & kMcrLoop)) {
            sink_(byte);
        }
        break;
    case kIer:
        if (dlab())
            divisor_ = static_cast<std::uint16_t>((divisor_ & 0x00ff) | (byte << 8));
        else
            ier_ = byte & 0x0f;
        break;
    case kIirFcr:
        fcr_ = byte;
        break;
    case kLcr:
        lcr_ = byte;
        break;
    case kMcr:
        mcr_ = byte & 0x1f;
        break;
    case kScr:
        scr_ = byte;
        break;
    default:
        break; // LSR and MSR are read-only
    }
}

} // namespace vmm
