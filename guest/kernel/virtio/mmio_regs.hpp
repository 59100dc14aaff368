// The virtio-mmio register map, version 2 (virtio 1.1 §4.2.2), the device status bits
// (§2.1), the feature bits this kernel looks at (§6, §5.2.3) and the block device's
// configuration and request layout (§5.2.4, §5.2.6).
#pragma once

#include <stdint.h>

namespace kernel::virtio {

namespace reg {
inline constexpr uint32_t kMagicValue = 0x000;
inline constexpr uint32_t kVersion = 0x004;
inline constexpr uint32_t kDeviceId = 0x008;
inline constexpr uint32_t kDeviceFeatures = 0x010;
inline constexpr uint32_t kDeviceFeaturesSel = 0x014;
inline constexpr uint32_t kDriverFeatures = 0x020;
inline constexpr uint32_t kDriverFeaturesSel = 0x024;
inline constexpr uint32_t kQueueSel = 0x030;
inline constexpr uint32_t kQueueNumMax = 0x034;
inline constexpr uint32_t kQueueNum = 0x038;
inline constexpr uint32_t kQueueReady = 0x044;
inline constexpr uint32_t kQueueNotify = 0x050;
inline constexpr uint32_t kInterruptStatus = 0x060;
inline constexpr uint32_t kInterruptAck = 0x064;
inline constexpr uint32_t kStatus = 0x070;
inline constexpr uint32_t kQueueDescLow = 0x080;
inline constexpr uint32_t kQueueDescHigh = 0x084;
inline constexpr uint32_t kQueueDriverLow = 0x090;
inline constexpr uint32_t kQueueDriverHigh = 0x094;
inline constexpr uint32_t kQueueDeviceLow = 0x0a0;
inline constexpr uint32_t kQueueDeviceHigh = 0x0a4;
inline constexpr uint32_t kConfigGeneration = 0x0fc;
inline constexpr uint32_t kConfig = 0x100;
} // namespace reg

inline constexpr uint32_t kMagic = 0x74726976; // "virt", little-endian
inline constexpr uint32_t kVersionModern = 2;
inline constexpr uint32_t kVersionLegacy = 1;
inline constexpr uint32_t kDeviceIdBlock = 2;
// The register window the driver uses: registers and the block configuration's capacity.
inline constexpr uint64_t kMinWindow = 0x100 + 0x20;

// Device status (§2.1).
inline constexpr uint32_t kStatusAcknowledge = 1;
inline constexpr uint32_t kStatusDriver = 2;
inline constexpr uint32_t kStatusDriverOk = 4;
inline constexpr uint32_t kStatusFeaturesOk = 8;
inline constexpr uint32_t kStatusFailed = 128;

// Feature bits: the block device's (§5.2.3) and the transport-independent VERSION_1 (§6).
inline constexpr uint64_t kFeatureBlkRo = 1ull << 5;
inline constexpr uint64_t kFeatureBlkFlush = 1ull << 9;
inline constexpr uint64_t kFeatureVersion1 = 1ull << 32;

// struct virtio_blk_config (§5.2.4): only `capacity`, in 512-byte sectors, is read.
inline constexpr uint32_t kConfigCapacity = 0x00;

inline constexpr uint32_t kSectorBytes = 512;

// struct virtio_blk_req (§5.2.6): this header, the data, then one status byte.
struct BlkRequestHeader {
    uint32_t type;
    uint32_t reserved;
    uint64_t sector;
};
static_assert(sizeof(BlkRequestHeader) == 16);

inline constexpr uint32_t kBlkTypeIn = 0;    // read
inline constexpr uint32_t kBlkTypeOut = 1;   // write
inline constexpr uint32_t kBlkTypeFlush = 4; // flush the device's write cache
inline constexpr uint32_t kBlkTypeGetId = 8; // 20 bytes of device id string
inline constexpr uint8_t kBlkStatusOk = 0;
inline constexpr uint8_t kBlkStatusIoErr = 1;
inline constexpr uint8_t kBlkStatusUnsupported = 2;
inline constexpr uint32_t kBlkIdBytes = 20;

} // namespace kernel::virtio
