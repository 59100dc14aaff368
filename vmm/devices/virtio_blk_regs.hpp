// virtio block device: the spec's feature bits and request format (<virtio/virtio.hpp>) and the
// configuration layout this device offers (Virtual I/O Device (VIRTIO) Version 1.2, §5.2
// "Block Device").
#pragma once

#include <cstddef>
#include <cstdint>
#include <virtio/virtio.hpp>

namespace vmm::virtio_blk {

using namespace ::virtio::blk;

// struct virtio_blk_config up to blk_size, the last field we offer (§5.2.4). Little-endian.
struct Config {
    std::uint64_t capacity; // in 512-byte sectors
    std::uint32_t size_max;
    std::uint32_t seg_max;
    std::uint16_t cylinders;
    std::uint8_t heads;
    std::uint8_t sectors;
    std::uint32_t blk_size;
};
static_assert(sizeof(Config) == 24);
static_assert(offsetof(Config, seg_max) == 12);
static_assert(offsetof(Config, blk_size) == 20);

} // namespace vmm::virtio_blk
