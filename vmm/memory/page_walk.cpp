#include "memory/page_walk.hpp"

#include <algorithm>
#include <cstdio>

namespace vmm {

namespace {

constexpr std::uint64_t kCr0Pg = 1ull << 31;
constexpr std::uint64_t kCr4Pae = 1ull << 5;
constexpr std::uint64_t kCr4La57 = 1ull << 12;
constexpr std::uint64_t kEferLma = 1ull << 10;
constexpr std::uint64_t kPresent = 1;
constexpr std::uint64_t kPageSize = 1ull << 7; // PS: 1 GiB at level 3, 2 MiB at level 2
// Bits 51:12 of an entry; 52 bits is the architectural maximum MAXPHYADDR.
constexpr std::uint64_t kAddrMask = 0x000ffffffffff000ull;

Error fault(const char* what, std::uint64_t gva) {
    char buf[96];
    std::snprintf(buf, sizeof buf, "guest address 0x%llx: %s", static_cast<unsigned long long>(gva),
                  what);
    return make_error(ErrorKind::GuestAccess, buf);
}

} // namespace

Result<GuestPhysAddr> translate(GuestMemory& memory, const PagingState& paging, std::uint64_t gva) {
    if (!(paging.cr0 & kCr0Pg)) return GuestPhysAddr(gva & 0xffffffffull);
    if (!(paging.efer & kEferLma) || !(paging.cr4 & kCr4Pae) || (paging.cr4 & kCr4La57))
        return fault("only 4-level long-mode paging is supported", gva);
    // Canonical: bits 63:47 all equal.
    const auto top = static_cast<std::int64_t>(gva) >> 47;
    if (top != 0 && top != -1) return fault("non-canonical", gva);

    std::uint64_t table = paging.cr3 & kAddrMask;
    for (int level = 4; level >= 1; --level) {
        const unsigned shift = 12 + 9 * static_cast<unsigned>(level - 1);
        const std::uint64_t index = (gva >> shift) & 0x1ff;
        const auto entry = TRY(memory.read_obj<std::uint64_t>(GuestPhysAddr(table + index * 8)));
        if (!(entry & kPresent)) return fault("not mapped", gva);
        const bool leaf = level == 1 || ((level == 2 || level == 3) && (entry & kPageSize));
        if (leaf) {
            const std::uint64_t page_mask = (1ull << shift) - 1;
            return GuestPhysAddr(((entry & kAddrMask) & ~page_mask) | (gva & page_mask));
        }
        table = entry & kAddrMask;
    }
    return fault("not mapped", gva); // not reached: level 1 is always a leaf
}

Result<void> read_virtual(GuestMemory& memory, const PagingState& paging, std::uint64_t gva,
                          std::span<std::uint8_t> out) {
    std::size_t done = 0;
    while (done < out.size()) {
        std::uint64_t addr = 0;
        if (__builtin_add_overflow(gva, done, &addr)) return fault("range wraps", gva);
        const GuestPhysAddr gpa = TRY(translate(memory, paging, addr));
        const std::size_t in_page = 4096 - (addr & 4095);
        const std::size_t n = std::min(in_page, out.size() - done);
        TRY(memory.read(gpa, out.subspan(done, n)));
        done += n;
    }
    return {};
}

} // namespace vmm
