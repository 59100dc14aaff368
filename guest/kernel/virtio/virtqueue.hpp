// A split virtqueue as a driver keeps it (virtio 1.2 §2.7): descriptor table, driver ("avail")
// ring and device ("used") ring in one zeroed block of memory the device reads by physical
// address, and the driver's own bookkeeping of free descriptors. Pure code: the host tests run
// it against a simulated device (tests/unit_kernel/virtqueue_test.cpp).
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <virtio/virtio.hpp>

namespace kernel::virtio {

// virtio 1.2 §2.7.5 and §2.7.8: a descriptor table entry, a used ring entry, their flags.
using VirtqDesc = ::virtio::virtq::Desc;
using VirtqUsedElem = ::virtio::virtq::UsedElem;
using ::virtio::virtq::kDescNext;
using ::virtio::virtq::kDescWrite;

// One buffer of a chain, by physical address.
struct VirtqBuffer {
    uint64_t phys;
    uint32_t len;
    bool device_writes;
};

class Virtqueue {
  public:
    static constexpr uint16_t kMaxSize = 64;
    static constexpr uint16_t kNoHead = 0xffff;

    // Bytes of ring memory for `size` entries: table (16-aligned), driver ring (2-aligned),
    // device ring at the next 4-byte boundary (virtio 1.2 §2.7, alignment table).
    static constexpr size_t bytes(uint16_t size) { return used_offset(size) + 6 + 8u * size; }
    static constexpr size_t avail_offset(uint16_t size) { return 16u * size; }
    static constexpr size_t used_offset(uint16_t size) {
        return (avail_offset(size) + 6 + 2u * size + 3) & ~size_t{3};
    }

    // `mem`: bytes(size) zeroed bytes, 16-aligned; size a power of 2, at most kMaxSize.
    bool init(void* mem, uint16_t size);

    unsigned free_descriptors() const { return free_count_; }

    // Puts a chain of `count` buffers in the table and makes it available to the device.
    // Returns its head, or kNoHead if there are not enough free descriptors.
    uint16_t submit(const VirtqBuffer* buffers, unsigned count);

    // The next chain the device has finished, its descriptors freed; false if none. Entries
    // naming no outstanding chain (a faulty device) are consumed, counted and skipped.
    bool next_used(VirtqUsedElem* out);
    unsigned bad_used() const { return bad_used_; }

  private:
    VirtqDesc* desc_ = nullptr;
    volatile uint16_t* avail_ = nullptr; // flags, idx, ring[size]
    volatile uint16_t* used_ = nullptr;  // flags, idx, then the elements
    uint16_t size_ = 0;
    uint16_t free_head_ = kNoHead;
    uint16_t free_count_ = 0;
    uint16_t avail_idx_ = 0;
    uint16_t last_used_ = 0;
    unsigned bad_used_ = 0;
    uint8_t chain_length_[kMaxSize] = {}; // by head; 0: not an outstanding chain
};

} // namespace kernel::virtio
