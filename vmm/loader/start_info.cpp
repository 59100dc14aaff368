#include "loader/start_info.hpp"

#include <array>
#include <string>

namespace vmm {

Result<GuestPhysAddr> write_start_info(GuestMemory& memory, std::string_view cmdline) {
    if (cmdline.size() >= boot_layout::kCmdlineMax)
        return make_error(ErrorKind::Usage,
                          "kernel command line is " + std::to_string(cmdline.size()) +
                              " bytes, at most " + std::to_string(boot_layout::kCmdlineMax - 1));
    if (cmdline.find('\0') != std::string_view::npos)
        return make_error(ErrorKind::Usage, "kernel command line contains a NUL byte");
    std::string line(cmdline);
    TRY(memory.write(
        boot_layout::kCmdline,
        std::span(reinterpret_cast<const std::uint8_t*>(line.c_str()), line.size() + 1)));

    const std::array<HvmMemmapEntry, 3> map{{
        {0, boot_layout::kLowRamTop, E820Type::Ram, 0},
        {0xf0000, 0x10000, E820Type::Reserved, 0}, // firmware area, as on PC
        {GuestMemory::kHighRamBase, memory.size() - GuestMemory::kHighRamBase, E820Type::Ram, 0},
    }};
    TRY(memory.write_obj(boot_layout::kMemmap, map));

    HvmStartInfo info{};
    info.magic = kHvmStartMagic;
    info.version = 1;
    info.cmdline_paddr = boot_layout::kCmdline.raw();
    info.memmap_paddr = boot_layout::kMemmap.raw();
    info.memmap_entries = static_cast<std::uint32_t>(map.size());
    TRY(memory.write_obj(boot_layout::kStartInfo, info));
    return boot_layout::kStartInfo;
}

} // namespace vmm
