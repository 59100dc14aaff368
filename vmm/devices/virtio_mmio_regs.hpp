// virtio-mmio transport, virtio 1.x modern layout: the spec's registers, status and feature
// bits (<virtio/virtio.hpp>, Virtual I/O Device (VIRTIO) Version 1.2 §4.2.2, §2.1, §6) and what
// this VMM chooses.
#pragma once

#include <cstdint>
#include <virtio/virtio.hpp>

namespace vmm::virtio_mmio {

using namespace ::virtio;
using namespace ::virtio::mmio;

// Of the reserved feature bits (§6) only VERSION_1 is offered: no indirect descriptors, no event
// index (docs/virtio.md).

// Ours; the bytes spell "VMI6" in memory.
inline constexpr std::uint32_t kVendorIdVmi = 0x36494d56;
inline constexpr std::uint64_t kSize = 0x200; // one device's window, as Linux's syntax says

} // namespace vmm::virtio_mmio
