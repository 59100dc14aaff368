// What a virtio device type supplies to its transport (devices/virtio_mmio.hpp): identity,
// features, configuration space, and the handling of one descriptor chain.
#pragma once

#include "devices/virtqueue.hpp"
#include "support/result.hpp"

#include <cstdint>
#include <span>

namespace vmm {

class VirtioDevice {
  public:
    virtual ~VirtioDevice() = default;
    virtual std::uint32_t device_id() const = 0;
    // Device-type feature bits; the transport adds VIRTIO_F_VERSION_1.
    virtual std::uint64_t features() const = 0;
    virtual std::uint16_t queue_count() const = 0;
    virtual std::uint32_t queue_max() const = 0;
    // The device-specific configuration space, little-endian.
    virtual std::span<const std::uint8_t> config() const = 0;
    // Serves one chain taken from queue `queue`; returns the bytes written into its
    // device-writable buffers. An error: the chain is malformed and the device needs a reset.
    virtual Result<std::uint32_t> handle(std::uint16_t queue, const DescChain& chain) = 0;
};

} // namespace vmm
