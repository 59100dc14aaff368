// virtio block device (Virtual I/O Device (VIRTIO) Version 1.2, §5.2) backed by a host file or
// block device: IN, OUT, FLUSH (fdatasync) and GET_ID on one request queue. A request that
// reaches past the last sector fails whole before any byte moves, so the file never grows; a
// read-only disk fails every OUT.
#pragma once

#include "devices/virtio_blk_regs.hpp"
#include "devices/virtio_device.hpp"
#include "memory/guest_memory.hpp"
#include "support/disk_file.hpp"

#include <array>
#include <cstdint>
#include <span>
#include <string_view>

namespace vmm {

class VirtioBlk final : public VirtioDevice {
  public:
    static constexpr std::uint32_t kQueueSize = 256;

    // `serial` is the GET_ID answer, cut to 20 bytes.
    VirtioBlk(GuestMemory& memory, DiskFile disk, std::string_view serial);

    std::uint32_t device_id() const override { return virtio_blk::kDeviceId; }
    std::uint64_t features() const override;
    std::uint16_t queue_count() const override { return 1; }
    std::uint32_t queue_max() const override { return kQueueSize; }
    std::span<const std::uint8_t> config() const override { return config_; }
    Result<std::uint32_t> handle(std::uint16_t queue, const DescChain& chain) override;

  private:
    // The request's status; `written` counts the bytes put into data buffers.
    std::uint8_t execute(const virtio_blk::RequestHeader& header, std::span<const DescBuffer> data,
                         std::uint32_t& written);
    std::uint8_t transfer(std::uint64_t sector, std::span<const DescBuffer> data, bool to_guest,
                          std::uint32_t& written);
    std::uint8_t get_id(std::span<const DescBuffer> data, std::uint32_t& written);

    GuestMemory& memory_;
    DiskFile disk_;
    std::array<std::uint8_t, virtio_blk::kIdBytes> id_{};
    std::array<std::uint8_t, sizeof(virtio_blk::Config)> config_{};
};

} // namespace vmm
