// Where the virtio-mmio devices sit (docs/architecture.md, "virtio-mmio devices"): device i at
// kBase + i * 0x200 with IOAPIC GSI kFirstGsi + i, announced on the kernel command line in
// Linux's syntax.
#pragma once

#include "memory/guest_addr.hpp"
#include "support/result.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace vmm::virtio_layout {

// Below the IOAPIC (0xfec00000), above the most RAM we map (3 GiB), as QEMU's microvm.
inline constexpr std::uint64_t kBase = 0xfeb00000;
inline constexpr unsigned kMaxDevices = 8;
// IOAPIC pins 16-23: KVM routes GSIs 0-15 to the 8259 PIC as well, and a guest that never
// programmed the PIC must not see its vectors; 16-23 reach the IOAPIC alone.
inline constexpr unsigned kFirstGsi = 16;

GuestPhysAddr device_base(unsigned index);
unsigned device_gsi(unsigned index);
// `virtio_mmio.device=512@0xfeb00000:16`
std::string device_arg(unsigned index);

// The user's command line with one device_arg per device appended; fails if the whole no
// longer fits the boot command line (boot_layout::kCmdlineMax).
Result<std::string> kernel_cmdline(std::string_view user, unsigned devices);

} // namespace vmm::virtio_layout
