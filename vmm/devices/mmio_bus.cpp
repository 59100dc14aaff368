#include "devices/mmio_bus.hpp"

#include <cstdio>
#include <string>

namespace vmm {

namespace {

std::string range_name(GuestPhysAddr base, std::uint64_t size) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "MMIO 0x%llx+0x%llx",
                  static_cast<unsigned long long>(base.raw()),
                  static_cast<unsigned long long>(size));
    return buf;
}

} // namespace

Result<void> MmioBus::add(GuestPhysAddr base, std::uint64_t size, MmioDevice* device) {
    GuestPhysAddr end;
    if (size == 0 || device == nullptr || !base.checked_add(size, end))
        return make_error(ErrorKind::System, "cannot register " + range_name(base, size) +
                                                 ": empty, wrapping or no device");
    for (const auto& r : ranges_)
        if (base.raw() < r.base.raw() + r.size && r.base < end)
            return make_error(ErrorKind::System, "cannot register " + range_name(base, size) +
                                                     ": overlaps " + range_name(r.base, r.size));
    ranges_.push_back({base, size, device});
    return {};
}

const MmioBus::Range* MmioBus::find(GuestPhysAddr addr, unsigned width) const {
    for (const auto& r : ranges_) {
        if (addr < r.base) continue;
        const std::uint64_t offset = addr.raw() - r.base.raw();
        if (offset < r.size && width <= r.size - offset) return &r;
    }
    return nullptr;
}

bool MmioBus::read(GuestPhysAddr addr, unsigned width, std::uint64_t& value) {
    const Range* r = find(addr, width);
    if (!r) {
        value = ~std::uint64_t{0};
        return false;
    }
    value = r->device->read(addr.raw() - r->base.raw(), width);
    return true;
}

bool MmioBus::write(GuestPhysAddr addr, unsigned width, std::uint64_t value) {
    const Range* r = find(addr, width);
    if (!r) return false;
    r->device->write(addr.raw() - r->base.raw(), width, value);
    return true;
}

} // namespace vmm
