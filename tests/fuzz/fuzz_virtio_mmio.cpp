// libFuzzer target: the virtio-mmio transport with a virtio-blk device behind it, driven by a
// guest-chosen sequence of register accesses over guest-chosen memory. Must never crash or
// touch memory outside the guest's; the interrupt line is asserted exactly while
// InterruptStatus is non-zero, DRIVER_OK never stands without FEATURES_OK, the identity
// registers never change, and the disk never changes size.
//
// Input: flags (1 byte: bit 0 a read-only disk), an access count n (1 byte, at most 64), n
// accesses of 7 bytes (offset: 2 bytes, taken modulo the 512-byte window; access: bit 0 write,
// bits 1-2 width 1/2/4/8; value: 4 bytes), then guest-physical memory from address 0 (at most
// 640 KiB).
#include "devices/virtio_blk.hpp"
#include "devices/virtio_mmio.hpp"
#include "devices/virtio_mmio_regs.hpp"
#include "fuzz_disk.hpp"
#include "fuzz_guest_memory.hpp"
#include "fuzz_support.hpp"
#include "memory/guest_memory.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>

namespace {

using fuzz::check;
using namespace vmm::virtio_mmio;

constexpr std::size_t kHeader = 2;
constexpr std::size_t kAccess = 7;
constexpr std::size_t kMaxAccesses = 64;

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < kHeader) return 0;
    const bool readonly = data[0] & 1;
    const std::size_t n = std::min<std::size_t>(data[1], kMaxAccesses);
    const std::size_t accesses_end = kHeader + n * kAccess;
    if (size < accesses_end) return 0;
    const std::span<const std::uint8_t> contents(
        data + accesses_end,
        std::min<std::size_t>(size - accesses_end, vmm::GuestMemory::kLowRamEnd));

    vmm::GuestMemory& memory = fuzz::load_guest_memory(contents, 0x4000);

    vmm::VirtioBlk blk(memory, fuzz::disk(readonly), "fuzz");
    bool line = false;
    vmm::VirtioMmio dev(
        memory, blk,
        [&line](bool asserted) {
            check(asserted != line); // only changes are driven
            line = asserted;
        },
        [](const std::string&) {});

    for (std::size_t i = 0; i < n; ++i) {
        const std::uint8_t* a = data + kHeader + i * kAccess;
        const std::uint64_t offset = (a[0] | std::uint64_t{a[1]} << 8) % kSize;
        const bool is_write = a[2] & 1;
        const unsigned width = 1u << ((a[2] >> 1) & 3);
        std::uint32_t value;
        std::memcpy(&value, a + 3, sizeof value);
        if (offset + width > kSize) continue; // the bus never delivers such an access
        if (is_write)
            dev.write(offset, width, value);
        else
            dev.read(offset, width);
        check(line == (dev.read(kInterruptStatus, 4) != 0));
        const auto status = static_cast<std::uint32_t>(dev.read(kStatus, 4));
        check(!(status & kStatusDriverOk) || (status & kStatusFeaturesOk));
        check(dev.read(kMagicValue, 4) == kMagic && dev.read(kVersion, 4) == kVersionModern);
    }
    fuzz::check_disk_size();
    return 0;
}
