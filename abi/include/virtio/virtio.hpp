// What a virtio device and its driver both need of the standard (Virtual I/O Device (VIRTIO)
// Version 1.2): device status (§2.1), the reserved feature bit VERSION_1 (§6), the split
// virtqueue's flags and entries (§2.7), the virtio-mmio register map (§4.2.2) and the block
// device's features and requests (§5.2). The VMM's device models (vmm/devices), the kernel's
// driver (guest/kernel/virtio) and the test guests include this one file, so it is freestanding
// C++: <stdint.h> types, no library.
#pragma once

#include <stdint.h>

namespace virtio {

// Device status (§2.1).
inline constexpr uint32_t kStatusAcknowledge = 1;
inline constexpr uint32_t kStatusDriver = 2;
inline constexpr uint32_t kStatusDriverOk = 4;
inline constexpr uint32_t kStatusFeaturesOk = 8;
inline constexpr uint32_t kStatusNeedsReset = 64;
inline constexpr uint32_t kStatusFailed = 128;

// Reserved feature bits (§6): the only one used here.
inline constexpr uint64_t kFeatureVersion1 = 1ull << 32;

// Split virtqueue (§2.7).
namespace virtq {
inline constexpr uint16_t kDescNext = 1;     // VIRTQ_DESC_F_NEXT: `next` continues the chain
inline constexpr uint16_t kDescWrite = 2;    // VIRTQ_DESC_F_WRITE: the device writes the buffer
inline constexpr uint16_t kDescIndirect = 4; // VIRTQ_DESC_F_INDIRECT
inline constexpr uint16_t kAvailNoInterrupt = 1;
inline constexpr uint32_t kMaxSize = 32768; // Queue Size at most 2^15

// struct virtq_desc (§2.7.5): an entry of the descriptor table.
struct Desc {
    uint64_t addr;
    uint32_t len;
    uint16_t flags;
    uint16_t next;
};
static_assert(sizeof(Desc) == 16);

// struct virtq_used_elem (§2.7.8): an entry of the used ring.
struct UsedElem {
    uint32_t id; // head of the completed chain
    uint32_t len;
};
static_assert(sizeof(UsedElem) == 8);
} // namespace virtq

// The virtio-mmio transport, version 2, the modern layout (§4.2.2 "MMIO Device Register
// Layout").
namespace mmio {
inline constexpr uint32_t kMagic = 0x74726976; // "virt", little-endian
inline constexpr uint32_t kVersionLegacy = 1;
inline constexpr uint32_t kVersionModern = 2;

enum Reg : uint32_t {
    kMagicValue = 0x000,
    kVersion = 0x004,
    kDeviceId = 0x008,
    kVendorId = 0x00c,
    kDeviceFeatures = 0x010,
    kDeviceFeaturesSel = 0x014,
    kDriverFeatures = 0x020,
    kDriverFeaturesSel = 0x024,
    kQueueSel = 0x030,
    kQueueNumMax = 0x034,
    kQueueNum = 0x038,
    kQueueReady = 0x044,
    kQueueNotify = 0x050,
    kInterruptStatus = 0x060,
    kInterruptAck = 0x064,
    kStatus = 0x070,
    kQueueDescLow = 0x080,
    kQueueDescHigh = 0x084,
    kQueueDriverLow = 0x090, // the available ring
    kQueueDriverHigh = 0x094,
    kQueueDeviceLow = 0x0a0, // the used ring
    kQueueDeviceHigh = 0x0a4,
    kShmSel = 0x0ac,
    kShmLenLow = 0x0b0,
    kShmLenHigh = 0x0b4,
    kShmBaseLow = 0x0b8,
    kShmBaseHigh = 0x0bc,
    kQueueReset = 0x0c0,
    kConfigGeneration = 0x0fc,
    kConfig = 0x100,
};

// InterruptStatus / InterruptACK bits.
inline constexpr uint32_t kInterruptUsedBuffer = 1;
inline constexpr uint32_t kInterruptConfigChange = 2;
} // namespace mmio

// The block device (§5.2).
namespace blk {
inline constexpr uint32_t kDeviceId = 2;
inline constexpr uint32_t kSectorSize = 512; // the unit of capacity and of request sectors

// Feature bits (§5.2.3).
inline constexpr uint64_t kFeatureSegMax = 1ull << 2;
inline constexpr uint64_t kFeatureRo = 1ull << 5;
inline constexpr uint64_t kFeatureBlkSize = 1ull << 6;
inline constexpr uint64_t kFeatureFlush = 1ull << 9;

// struct virtio_blk_req (§5.2.6): this device-readable header, the data, then one status byte
// the device writes. Little-endian.
struct RequestHeader {
    uint32_t type;
    uint32_t reserved;
    uint64_t sector;
};
static_assert(sizeof(RequestHeader) == 16);

enum RequestType : uint32_t {
    kIn = 0,    // read
    kOut = 1,   // write
    kFlush = 4, // flush the device's write cache
    kGetId = 8, // the device ID string
};

enum Status : uint8_t {
    kOk = 0,
    kIoErr = 1,
    kUnsupp = 2,
};

inline constexpr uint32_t kIdBytes = 20; // GET_ID's answer, NUL-padded
} // namespace blk

} // namespace virtio
