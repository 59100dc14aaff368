#include "devices/io_bus.hpp"

namespace vmm {

bool IoBus::add(std::uint16_t base, std::uint16_t count, PortDevice* device) {
    if (count == 0 || device == nullptr || unsigned{base} + count > 0x10000u) return false;
    for (const auto& r : ranges_)
        if (base < r.base + r.count && r.base < base + count) return false;
    ranges_.push_back({base, count, device});
    return true;
}

const IoBus::Range* IoBus::find(std::uint16_t port) const {
    for (const auto& r : ranges_)
        if (port >= r.base && port - r.base < r.count) return &r;
    return nullptr;
}

bool IoBus::read(std::uint16_t port, unsigned width, std::uint32_t& value) {
    const Range* r = find(port);
    if (!r) {
        value = width >= 4 ? 0xffffffffu : (1u << (8 * width)) - 1;
        return false;
    }
    value = r->device->read(static_cast<std::uint16_t>(port - r->base), width);
    return true;
}

bool IoBus::write(std::uint16_t port, unsigned width, std::uint32_t value) {
    const Range* r = find(port);
    if (!r) return false;
    r->device->write(static_cast<std::uint16_t>(port - r->base), width, value);
    return true;
}

} // namespace vmm
