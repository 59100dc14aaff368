#include "devices/virtqueue.hpp"

#include <atomic>
#include <cstdio>
#include <string>

namespace vmm {

namespace {

Error broken(const std::string& what) {
    return make_error(ErrorKind::GuestAccess, what);
}

// An address inside an area check_queue_layout found in guest memory: the sum cannot wrap.
GuestPhysAddr at(GuestPhysAddr base, std::uint64_t offset) {
    return GuestPhysAddr(base.raw() + offset);
}

std::string hex(std::uint64_t v) {
    char buf[24];
    std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
    return buf;
}

Result<void> check_area(GuestMemory& memory, const char* name, GuestPhysAddr addr,
                        std::uint64_t bytes, std::uint64_t align) {
    if (addr.raw() % align != 0)
        return broken(std::string(name) + " at " + hex(addr.raw()) + " is not aligned to " +
                      std::to_string(align));
    if (!memory.contains(addr, bytes))
        return broken(std::string(name) + " " + hex(addr.raw()) + "+" + hex(bytes) +
                      " is outside guest memory");
    return {};
}

} // namespace

Result<void> check_queue_layout(GuestMemory& memory, const QueueLayout& layout,
                                std::uint32_t max_size) {
    const std::uint32_t n = layout.size;
    if (n == 0 || n > max_size || n > virtq::kMaxSize || (n & (n - 1)) != 0)
        return broken("queue size " + std::to_string(n) + " is not a power of two from 1 to " +
                      std::to_string(max_size));
    TRY(check_area(memory, "descriptor table", layout.desc, virtq::desc_table_bytes(n), 16));
    TRY(check_area(memory, "available ring", layout.avail, virtq::avail_ring_bytes(n), 2));
    TRY(check_area(memory, "used ring", layout.used, virtq::used_ring_bytes(n), 4));
    // contains() admits the read-only ROM window; the device writes the used ring.
    if (!memory.writable_span(layout.used, virtq::used_ring_bytes(n)).ok())
        return broken("used ring at " + hex(layout.used.raw()) + " is read-only");
    return {};
}

Result<std::optional<DescChain>> Virtqueue::pop() {
    const auto avail_idx = TRY(memory_.read_obj<std::uint16_t>(at(layout_.avail, 2)));
    const auto pending = static_cast<std::uint16_t>(avail_idx - next_avail_);
    if (pending == 0) return std::optional<DescChain>{};
    if (pending > layout_.size)
        return broken("available index " + std::to_string(avail_idx) + " is " +
                      std::to_string(pending) + " entries ahead, more than the queue's " +
                      std::to_string(layout_.size));
    // The ring entries the index covers were written before it (§2.7.13).
    std::atomic_thread_fence(std::memory_order_acquire);
    const auto head = TRY(memory_.read_obj<std::uint16_t>(
        at(layout_.avail, virtq::kRingHeader + 2u * (next_avail_ % layout_.size))));
    if (head >= layout_.size)
        return broken("available ring names descriptor " + std::to_string(head) +
                      " of a queue of " + std::to_string(layout_.size));
    DescChain chain = TRY(walk(head));
    ++next_avail_;
    return std::optional<DescChain>{std::move(chain)};
}

Result<DescChain> Virtqueue::walk(std::uint16_t head) {
    DescChain chain{head, {}};
    std::uint16_t index = head;
    bool writable_seen = false;
    for (;;) {
        // Every descriptor of a chain is distinct, so a longer one revisits one: a loop.
        if (chain.buffers.size() >= layout_.size)
            return broken("descriptor chain from " + std::to_string(head) +
                          " is longer than the queue (a loop)");
        const auto desc = TRY(memory_.read_obj<virtq::Desc>(
            at(layout_.desc, std::uint64_t{index} * sizeof(virtq::Desc))));
        if (desc.flags & virtq::kDescIndirect)
            return broken("descriptor " + std::to_string(index) +
                          " is indirect, a feature not offered");
        const bool writes = (desc.flags & virtq::kDescWrite) != 0;
        if (!writes && writable_seen)
            return broken("descriptor " + std::to_string(index) +
                          " is device-readable after a device-writable one");
        writable_seen = writable_seen || writes;
        const GuestPhysAddr addr(desc.addr);
        const bool inside =
            writes ? memory_.writable_span(addr, desc.len).ok() : memory_.contains(addr, desc.len);
        if (!inside)
            return broken("descriptor " + std::to_string(index) + " buffer " + hex(desc.addr) +
                          "+" + hex(desc.len) + " is outside guest memory" +
                          (writes ? " or read-only" : ""));
        chain.buffers.push_back({addr, desc.len, writes});
        if (!(desc.flags & virtq::kDescNext)) return chain;
        if (desc.next >= layout_.size)
            return broken("descriptor " + std::to_string(index) + " links to " +
                          std::to_string(desc.next) + " in a queue of " +
                          std::to_string(layout_.size));
        index = desc.next;
    }
}

Result<void> Virtqueue::push(std::uint16_t head, std::uint32_t written) {
    TRY(memory_.write_obj(at(layout_.used, virtq::kRingHeader + sizeof(virtq::UsedElem) *
                                                                    (next_used_ % layout_.size)),
                          virtq::UsedElem{head, written}));
    ++next_used_;
    // The element must be visible before the index that publishes it (§2.7.8).
    std::atomic_thread_fence(std::memory_order_release);
    return memory_.write_obj(at(layout_.used, 2), next_used_);
}

Result<bool> Virtqueue::interrupt_suppressed() {
    const auto flags = TRY(memory_.read_obj<std::uint16_t>(layout_.avail));
    return (flags & virtq::kAvailNoInterrupt) != 0;
}

} // namespace vmm
