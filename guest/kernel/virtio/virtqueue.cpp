#include "virtqueue.hpp"

namespace kernel::virtio {

bool Virtqueue::init(void* mem, uint16_t size) {
    if (size == 0 || size > kMaxSize || (size & (size - 1)) ||
        reinterpret_cast<uintptr_t>(mem) % 16)
        return false;
    auto* base = static_cast<uint8_t*>(mem);
    desc_ = reinterpret_cast<VirtqDesc*>(base);
    avail_ = reinterpret_cast<volatile uint16_t*>(base + avail_offset(size));
    used_ = reinterpret_cast<volatile uint16_t*>(base + used_offset(size));
    size_ = size;
    // Free descriptors are chained through `next`, as they will be in use.
    for (uint16_t i = 0; i < size; ++i)
        desc_[i].next = static_cast<uint16_t>(i + 1 < size ? i + 1 : kNoHead);
    free_head_ = 0;
    free_count_ = size;
    avail_idx_ = 0;
    last_used_ = 0;
    bad_used_ = 0;
    for (uint8_t& n : chain_length_)
        n = 0;
    return true;
}

uint16_t Virtqueue::submit(const VirtqBuffer* buffers, unsigned count) {
    if (count == 0 || count > free_count_) return kNoHead;
    const uint16_t head = free_head_;
    uint16_t i = head;
    for (unsigned n = 0; n < count; ++n) {
        VirtqDesc& d = desc_[i];
        d.addr = buffers[n].phys;
        d.len = buffers[n].len;
        d.flags = static_cast<uint16_t>((buffers[n].device_writes ? kDescWrite : 0) |
                                        (n + 1 < count ? kDescNext : 0));
        if (n + 1 < count) i = d.next;
    }
    free_head_ = desc_[i].next;
    chain_length_[head] = static_cast<uint8_t>(count);
    free_count_ = static_cast<uint16_t>(free_count_ - count);
    avail_[2 + avail_idx_ % size_] = head;
    ++avail_idx_;
    // The device may read the ring entry as soon as it sees the index (virtio 1.2 §2.7.13.2).
    __atomic_store_n(const_cast<uint16_t*>(&avail_[1]), avail_idx_, __ATOMIC_RELEASE);
    return head;
}

bool Virtqueue::next_used(VirtqUsedElem* out) {
    const auto* ring = reinterpret_cast<const volatile uint32_t*>(used_ + 2);
    for (;;) {
        const uint16_t idx = __atomic_load_n(const_cast<uint16_t*>(&used_[1]), __ATOMIC_ACQUIRE);
        if (idx == last_used_) return false;
        const unsigned slot = last_used_ % size_;
        out->id = ring[2 * slot];
        out->len = ring[2 * slot + 1];
        ++last_used_;
        if (out->id >= size_ || chain_length_[out->id] == 0) {
            ++bad_used_;
            continue;
        }
        // Back onto the free list, following the links submit() wrote.
        const auto head = static_cast<uint16_t>(out->id);
        uint16_t tail = head;
        for (unsigned n = 1; n < chain_length_[head]; ++n)
            tail = desc_[tail].next;
        desc_[tail].next = free_head_;
        free_head_ = head;
        free_count_ = static_cast<uint16_t>(free_count_ + chain_length_[head]);
        chain_length_[head] = 0;
        return true;
    }
}

} // namespace kernel::virtio
