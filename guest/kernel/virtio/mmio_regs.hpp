// The virtio definitions this driver uses: the spec's (<virtio/virtio.hpp>, virtio 1.2 §4.2.2
// registers, §2.1 status, §6 and §5.2.3 feature bits, §5.2.6 requests) and the driver's own
// view of the block device's configuration (§5.2.4).
#pragma once

#include <stdint.h>
#include <virtio/virtio.hpp>

namespace kernel::virtio {

using namespace ::virtio; // status and feature bits; mmio::, blk::, virtq::

// The register window the driver uses: registers and the block configuration's capacity.
inline constexpr uint64_t kMinWindow = mmio::kConfig + 0x20;

// struct virtio_blk_config (§5.2.4): only `capacity`, in 512-byte sectors, is read.
inline constexpr uint32_t kConfigCapacity = 0x00;

} // namespace kernel::virtio
