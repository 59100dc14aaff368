// libFuzzer target: guest page tables and paging registers, both guest-controlled, through the
// VMM's page walker (what every hypercall pointer goes through). Must never crash or read
// outside guest memory; what it returns must agree with a direct read of guest memory.
//
// Input: cr0, cr3, cr4, efer, gva (8 bytes each, little-endian), length (2), mode (1), then
// guest-physical memory from address 0 (low RAM, at most 640 KiB). Mode bit 0 forces 4-level
// long-mode paging on, bit 1 keeps cr3 inside the bytes given, so that most inputs walk tables.
#include "fuzz_guest_memory.hpp"
#include "fuzz_support.hpp"
#include "memory/guest_memory.hpp"
#include "memory/page_walk.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <span>
#include <vector>

namespace {

using fuzz::check;

constexpr std::uint64_t kCr0Pg = 1ull << 31;
constexpr std::uint64_t kCr0Pe = 1;
constexpr std::uint64_t kCr4Pae = 1ull << 5;
constexpr std::uint64_t kCr4La57 = 1ull << 12;
constexpr std::uint64_t kEferLmeLma = (1ull << 8) | (1ull << 10);
constexpr std::size_t kHeader = 5 * 8 + 2 + 1;

std::uint64_t load64(const std::uint8_t* p) {
    std::uint64_t v;
    std::memcpy(&v, p, sizeof v);
    return v;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < kHeader) return 0;
    vmm::PagingState paging{load64(data), load64(data + 8), load64(data + 16), load64(data + 24)};
    const std::uint64_t gva = load64(data + 32);
    const std::size_t len = std::size_t{data[40]} | std::size_t{data[41]} << 8;
    const std::uint8_t mode = data[42];
    const std::span<const std::uint8_t> contents(
        data + kHeader, std::min<std::size_t>(size - kHeader, vmm::GuestMemory::kLowRamEnd));
    if (mode & 1) {
        paging.cr0 |= kCr0Pg | kCr0Pe;
        paging.cr4 = (paging.cr4 | kCr4Pae) & ~kCr4La57;
        paging.efer |= kEferLmeLma;
    }
    if ((mode & 2) && !contents.empty()) paging.cr3 %= contents.size();

    // Guest memory holds this input's bytes and nothing from earlier inputs.
    vmm::GuestMemory& memory = fuzz::load_guest_memory(contents);

    const bool paging_on = paging.cr0 & kCr0Pg;
    auto gpa = vmm::translate(memory, paging, gva);
    if (!paging_on) check(gpa.ok() && gpa.value().raw() == (gva & 0xffffffffull));
    if (gpa.ok()) {
        // A page offset survives translation whatever the page size; addresses stay 52-bit.
        check((gpa.value().raw() & 0xfff) == (gva & 0xfff));
        check(gpa.value().raw() < (1ull << 52));
        // With paging, only canonical addresses (bits 63:47 equal) translate.
        const auto top = static_cast<std::int64_t>(gva) >> 47;
        check(!paging_on || top == 0 || top == -1);
    } else {
        check(gpa.error().kind == vmm::ErrorKind::GuestAccess && !gpa.error().message.empty());
    }

    std::vector<std::uint8_t> out(len);
    auto read = vmm::read_virtual(memory, paging, gva, out);
    if (read.ok() && len > 0) {
        // The first byte is the one at the translated address.
        check(gpa.ok());
        std::uint8_t first = 0;
        check(memory.read(gpa.value(), std::span(&first, 1)).ok());
        check(out[0] == first);
        std::uint64_t end = 0;
        check(!__builtin_add_overflow(gva, len - 1, &end));
    }
    if (!read.ok()) check(read.error().kind == vmm::ErrorKind::GuestAccess);
    // Within one page the read is one guest-memory read at the translated address.
    if (gpa.ok() && len > 0 && (gva & 0xfff) + len <= 4096) {
        std::vector<std::uint8_t> direct(len);
        const bool direct_ok = memory.read(gpa.value(), direct).ok();
        check(read.ok() == direct_ok);
        check(!direct_ok || direct == out);
    }
    return 0;
}
