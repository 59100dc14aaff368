#include "hypercall/hypercall_device.hpp"

#include "memory/page_walk.hpp"

#include <cstring>
#include <hypercall_ports.h>
#include <vmi/status.h>

namespace vmm {

std::uint32_t HypercallDevice::read(std::uint16_t offset, unsigned width) {
    if (width != 4) return VMI_ERR_INVALID;
    switch (VMM_HC_PORT_BASE + offset) {
    case VMM_HC_PORT_PROBE:
        return VMM_HC_MAGIC;
    case VMM_HC_PORT_CONSOLE:
        return console_write();
    case VMM_HC_PORT_ZERO_PAGE:
        return zero_page();
    case VMM_HC_PORT_COPY_PAGE:
        return copy_page();
    default:
        return VMI_ERR_UNSUPPORTED;
    }
}

void HypercallDevice::write(std::uint16_t offset, unsigned width, std::uint32_t value) {
    if (power_ || width != 4) return; // the first request wins; the ROM writes 32 bits
    switch (VMM_HC_PORT_BASE + offset) {
    case VMM_HC_PORT_SHUTDOWN:
        status_ = value;
        power_ = PowerRequest::Shutdown;
        break;
    case VMM_HC_PORT_REBOOT:
        power_ = PowerRequest::Reboot;
        break;
    default:
        break;
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
    for (std::uint8_t byte : buffer_)
        console_(byte);
    return VMI_OK;
}

namespace {

constexpr std::uint64_t kPage = 4096;

} // namespace

// rsi = physical page: guest RAM the guest may write, page-aligned.
std::uint32_t HypercallDevice::zero_page() {
    const auto context = context_();
    if (!context) return VMI_ERR_FAULT;
    const GuestPhysAddr page(context.value().rsi);
    if (page.raw() % kPage != 0) return VMI_ERR_INVALID;
    auto dst = memory_.writable_span(page, kPage);
    if (!dst) return VMI_ERR_FAULT;
    std::memset(dst.value().data(), 0, kPage);
    return VMI_OK;
}

// r8 = physical destination, rcx = physical source; the source may be any guest memory.
std::uint32_t HypercallDevice::copy_page() {
    const auto context = context_();
    if (!context) return VMI_ERR_FAULT;
    const GuestPhysAddr dst_page(context.value().r8);
    const GuestPhysAddr src_page(context.value().rcx);
    if (dst_page.raw() % kPage != 0 || src_page.raw() % kPage != 0) return VMI_ERR_INVALID;
    auto dst = memory_.writable_span(dst_page, kPage);
    auto src = memory_.span(src_page, kPage);
    if (!dst || !src) return VMI_ERR_FAULT;
    std::memmove(dst.value().data(), src.value().data(), kPage);
    return VMI_OK;
}

} // namespace vmm
