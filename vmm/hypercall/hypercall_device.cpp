#include "hypercall/hypercall_device.hpp"

#include "memory/page_walk.hpp"

#include <hypercall_ports.h>
#include <vmi/status.h>

namespace vmm {

std::uint32_t HypercallDevice::read(std::uint16_t offset, unsigned width) {
    if (width != 4) return VMI_ERR_INVALID;
    switch (VMM_HC_PORT_BASE + offset) {
    case VMM_HC_PORT_PROBE: return VMM_HC_MAGIC;
    case VMM_HC_PORT_CONSOLE: return console_write();
    default: return VMI_ERR_UNSUPPORTED;
    }
}

void HypercallDevice::write(std::uint16_t offset, unsigned width, std::uint32_t value) {
    if (power_ || width != 4) return; // the first request wins; the ROM writes 32 bits
    switch (VMM_HC_PORT_BASE + offset) {
    case VMM_HC_PORT_SHUTDOWN:
        status_ = value;
        power_ = PowerRequest::Shutdown;
        break;
    case VMM_HC_PORT_REBOOT: power_ = PowerRequest::Reboot; break;
    default: break;
    }
}

// rdi = buffer (guest virtual), rsi = length.
std::uint32_t HypercallDevice::console_write() {
    const auto context = context_();
    if (!context) return VMI_ERR_FAULT;
    const std::uint64_t gva = context.value().rdi;
    const std::uint64_t len = context.value().rsi;
    if (len > VMM_HC_CONSOLE_MAX) return VMI_ERR_INVALID;
    if (len == 0) return VMI_OK;
    buffer_.resize(len);
    if (!read_virtual(memory_, context.value().paging, gva, buffer_)) return VMI_ERR_FAULT;
    for (std::uint8_t byte : buffer_) console_(byte);
    return VMI_OK;
}

} // namespace vmm
