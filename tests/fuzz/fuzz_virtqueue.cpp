// libFuzzer target: the split-virtqueue parser and the virtio-blk requests behind it, with
// rings and buffers all guest-controlled. Must never crash or touch memory outside the guest's;
// every chain it yields is no longer than the queue, lies in guest memory with device-writable
// buffers last and outside the ROM window, and the disk never changes size.
//
// Input: flags (1 byte: bits 0-3 log2 of the queue size, at most 8; bit 4 a read-only disk),
// the number of chains to take (1 byte, at most 32), then guest-physical memory from address 0
// (at most 640 KiB). The descriptor table is at 0x1000, the available ring at 0x2000, the used
// ring at 0x3000.
#include "devices/virtio_blk.hpp"
#include "devices/virtqueue.hpp"
#include "fuzz_disk.hpp"
#include "fuzz_guest_memory.hpp"
#include "fuzz_support.hpp"
#include "memory/guest_memory.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>

namespace {

using fuzz::check;

constexpr std::size_t kHeader = 2;
constexpr std::uint32_t kMaxChains = 32;

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < kHeader) return 0;
    const std::uint32_t queue_size = 1u << std::min<unsigned>(data[0] & 0x0f, 8);
    const bool readonly = (data[0] & 0x10) != 0;
    const std::uint32_t chains = std::min<std::uint32_t>(data[1], kMaxChains);
    const std::span<const std::uint8_t> contents(
        data + kHeader, std::min<std::size_t>(size - kHeader, vmm::GuestMemory::kLowRamEnd));

    vmm::GuestMemory& memory = fuzz::load_guest_memory(contents, 0x4000);

    const vmm::QueueLayout layout{queue_size, vmm::GuestPhysAddr(0x1000),
                                  vmm::GuestPhysAddr(0x2000), vmm::GuestPhysAddr(0x3000)};
    check(vmm::check_queue_layout(memory, layout, 256).ok());
    vmm::Virtqueue queue(memory, layout);
    vmm::VirtioBlk blk(memory, fuzz::disk(readonly), "fuzz");

    for (std::uint32_t n = 0; n < chains; ++n) {
        auto chain = queue.pop();
        if (!chain || !chain.value()) break;
        const vmm::DescChain& c = *chain.value();
        check(c.head < queue_size);
        check(!c.buffers.empty() && c.buffers.size() <= queue_size);
        bool writable_seen = false;
        std::uint64_t writable_bytes = 0;
        for (const vmm::DescBuffer& b : c.buffers) {
            check(memory.contains(b.addr, b.len));
            check(!(writable_seen && !b.device_writes));
            writable_seen = writable_seen || b.device_writes;
            if (b.device_writes) {
                check(memory.writable_span(b.addr, b.len).ok());
                writable_bytes += b.len;
            }
        }
        auto written = blk.handle(0, c);
        if (!written) break;
        check(written.value() <= writable_bytes);
        if (!queue.push(c.head, written.value())) break;
    }
    fuzz::check_disk_size();
    return 0;
}
