#include "devices/io_bus.hpp"

#include <cstdio>
#include <string>

namespace vmm {

namespace {

std::string range_name(std::uint16_t base, std::uint16_t count) {
    char buf[40];
    std::snprintf(buf, sizeof buf, "ports 0x%x+%u", unsigned{base}, unsigned{count});
    return buf;
}

} // namespace

Result<void> IoBus::add(std::uint16_t base, std::uint16_t count, PortDevice* device) {
    if (count == 0 || device == nullptr || unsigned{base} + count > 0x10000u)
        return make_error(ErrorKind::System, "cannot register " + range_name(base, count) +
                                                 ": empty, beyond 0xffff or no device");
    for (const auto& r : ranges_)
        if (base < r.base + r.count && r.base < base + count)
            return make_error(ErrorKind::System, "cannot register " + range_name(base, count) +
                                                     ": overlaps " + range_name(r.base, r.count));
    ranges_.push_back({base, count, device});
    return {};
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
