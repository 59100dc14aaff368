#include "machine/virtio_layout.hpp"

#include "devices/virtio_mmio_regs.hpp"
#include "loader/start_info.hpp"

#include <cstdio>

namespace vmm::virtio_layout {

GuestPhysAddr device_base(unsigned index) {
    return GuestPhysAddr(kBase + std::uint64_t{index} * virtio_mmio::kSize);
}

unsigned device_gsi(unsigned index) {
    return kFirstGsi + index;
}

std::string device_arg(unsigned index) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "virtio_mmio.device=%llu@0x%llx:%u",
                  static_cast<unsigned long long>(virtio_mmio::kSize),
                  static_cast<unsigned long long>(device_base(index).raw()), device_gsi(index));
    return buf;
}

Result<std::string> kernel_cmdline(std::string_view user, unsigned devices) {
    std::string line(user);
    for (unsigned i = 0; i < devices; ++i) {
        if (!line.empty()) line += ' ';
        line += device_arg(i);
    }
    if (line.size() >= boot_layout::kCmdlineMax)
        return make_error(ErrorKind::Usage, "kernel command line with the virtio-mmio devices is " +
                                                std::to_string(line.size()) + " bytes, at most " +
                                                std::to_string(boot_layout::kCmdlineMax - 1));
    return line;
}

} // namespace vmm::virtio_layout
