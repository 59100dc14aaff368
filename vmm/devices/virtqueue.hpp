// The device side of a split virtqueue (Virtual I/O Device (VIRTIO) Version 1.2, §2.7). The
// guest owns the rings, so each field is copied out of guest memory once and checked before
// use: ring indices, descriptor indices, chain length and order, and every buffer against
// guest memory. Indirect descriptors are not offered, so one is an error like any other.
#pragma once

#include "memory/guest_addr.hpp"
#include "memory/guest_memory.hpp"
#include "support/result.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>
#include <virtio/virtio.hpp>

namespace vmm {

namespace virtq {

using namespace ::virtio::virtq; // flags, kMaxSize, Desc (§2.7.5), UsedElem (§2.7.8)

// Ring layout (§2.7.6, §2.7.8): flags and idx (2 bytes each), then the ring entries.
inline constexpr std::uint64_t kRingHeader = 4;
inline constexpr std::uint64_t desc_table_bytes(std::uint32_t size) {
    return std::uint64_t{size} * sizeof(Desc);
}
inline constexpr std::uint64_t avail_ring_bytes(std::uint32_t size) {
    return kRingHeader + 2 * std::uint64_t{size} + 2; // + used_event
}
inline constexpr std::uint64_t used_ring_bytes(std::uint32_t size) {
    return kRingHeader + sizeof(UsedElem) * std::uint64_t{size} + 2; // + avail_event
}

} // namespace virtq

// Where the driver put the three areas of one queue, as written to the transport.
struct QueueLayout {
    std::uint32_t size = 0;
    GuestPhysAddr desc;
    GuestPhysAddr avail;
    GuestPhysAddr used;
};

// Size a power of two from 1 to `max_size`, each area aligned (§2.7: 16, 2, 4) and inside
// guest memory, the used ring writable.
Result<void> check_queue_layout(GuestMemory& memory, const QueueLayout& layout,
                                std::uint32_t max_size);

struct DescBuffer {
    GuestPhysAddr addr;
    std::uint32_t len;
    bool device_writes; // VIRTQ_DESC_F_WRITE
};

struct DescChain {
    std::uint16_t head;
    std::vector<DescBuffer> buffers; // device-readable ones first, then device-writable ones
};

class Virtqueue {
  public:
    // `layout` must have passed check_queue_layout.
    Virtqueue(GuestMemory& memory, const QueueLayout& layout) : memory_(memory), layout_(layout) {}

    // The next chain the driver made available, or nothing when it has made none. An error
    // means the driver broke the queue: more entries than the queue holds, a head or next index
    // out of range, a chain longer than the queue (which a loop always is), an indirect
    // descriptor, a device-readable buffer after a device-writable one, or a buffer outside
    // guest memory (a device-writable one also outside its writable part).
    Result<std::optional<DescChain>> pop();
    // Returns chain `head` to the driver with `written` bytes written into its buffers.
    Result<void> push(std::uint16_t head, std::uint32_t written);
    // Whether the driver asked for no used-buffer notification (VIRTQ_AVAIL_F_NO_INTERRUPT).
    Result<bool> interrupt_suppressed();

  private:
    Result<DescChain> walk(std::uint16_t head);

    GuestMemory& memory_;
    QueueLayout layout_;
    std::uint16_t next_avail_ = 0; // free-running, wraps at 2^16 like the driver's idx (§2.7.6)
    std::uint16_t next_used_ = 0;
};

} // namespace vmm
