// virtio-mmio transport, virtio 1.x modern layout (Virtual I/O Device (VIRTIO) Version 1.2,
// §4.2.2 "MMIO Device Register Layout"; status bits §2.1, feature bits §6).
#pragma once

#include <cstdint>

namespace vmm::virtio_mmio {

inline constexpr std::uint32_t kMagic = 0x74726976; // "virt"
inline constexpr std::uint32_t kVersion = 2;        // modern (1.x) layout
// Ours; the bytes spell "VMI6" in memory.
inline constexpr std::uint32_t kVendorId = 0x36494d56;
inline constexpr std::uint64_t kSize = 0x200; // one device's window, as Linux's syntax says

enum Reg : std::uint32_t {
    kMagicValue = 0x000,
    kVersionReg = 0x004,
    kDeviceId = 0x008,
    kVendorIdReg = 0x00c,
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

// Device status (§2.1).
inline constexpr std::uint32_t kStatusAcknowledge = 1;
inline constexpr std::uint32_t kStatusDriver = 2;
inline constexpr std::uint32_t kStatusDriverOk = 4;
inline constexpr std::uint32_t kStatusFeaturesOk = 8;
inline constexpr std::uint32_t kStatusNeedsReset = 64;
inline constexpr std::uint32_t kStatusFailed = 128;

// InterruptStatus / InterruptACK bits (§4.2.2).
inline constexpr std::uint32_t kInterruptUsedBuffer = 1;
inline constexpr std::uint32_t kInterruptConfigChange = 2;

// Reserved feature bits (§6): a modern device; no indirect descriptors, no event index.
inline constexpr std::uint64_t kFeatureVersion1 = 1ull << 32;

} // namespace vmm::virtio_mmio
