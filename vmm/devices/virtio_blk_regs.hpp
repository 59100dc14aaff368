// virtio block device: feature bits, configuration layout and request format (Virtual I/O
// Device (VIRTIO) Version 1.2, §5.2 "Block Device").
#pragma once

#include <cstddef>
#include <cstdint>

namespace vmm::virtio_blk {

inline constexpr std::uint32_t kDeviceId = 2;
inline constexpr std::uint64_t kSectorSize = 512;

inline constexpr std::uint64_t kFeatureSegMax = 1ull << 2;
inline constexpr std::uint64_t kFeatureRo = 1ull << 5;
inline constexpr std::uint64_t kFeatureBlkSize = 1ull << 6;
inline constexpr std::uint64_t kFeatureFlush = 1ull << 9;

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

// The device-readable header that starts every request (§5.2.6).
struct RequestHeader {
    std::uint32_t type;
    std::uint32_t reserved;
    std::uint64_t sector;
};
static_assert(sizeof(RequestHeader) == 16);

enum RequestType : std::uint32_t {
    kIn = 0,
    kOut = 1,
    kFlush = 4,
    kGetId = 8,
};

enum Status : std::uint8_t {
    kOk = 0,
    kIoErr = 1,
    kUnsupp = 2,
};

inline constexpr std::size_t kIdBytes = 20; // GET_ID answer, NUL-padded

} // namespace vmm::virtio_blk
