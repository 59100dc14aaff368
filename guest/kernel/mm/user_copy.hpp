// Copies between kernel buffers and user memory of an address space. The user range is checked
// against the page tables and areas first (resolving demand-zero and copy-on-write pages as the
// process's own access would), then copied through the kernel window, so a bad pointer is a
// `false` return and never a kernel fault, and the address space need not be the loaded one.
#pragma once

#include "areas.hpp"
#include "bytes.hpp"
#include "fault.hpp"
#include "page_table.hpp"

#include <stddef.h>
#include <stdint.h>

namespace kernel::mm {

namespace detail {

// Makes every page of user [va, va + len) accessible (for writing if `write`).
template <typename Ops>
bool prepare_user_range(PageTable<Ops>& as, const Areas& areas, uint64_t va, uint64_t len,
                        bool write) {
    if (va + len < va || va + len > kUserTop) return false;
    for (uint64_t page = page_floor(va); page < va + len; page += kPageSize) {
        const Mapping m = as.lookup(page);
        if (m.present() && (m.entry & kUser) && (!write || (m.entry & kWritable))) continue;
        const uint64_t code =
            kFaultUser | (m.present() ? kFaultPresent : 0) | (write ? kFaultWrite : 0);
        if (handle_user_fault(as, areas, page, code) != FaultResult::Resolved) return false;
    }
    return true;
}

// Calls fn(kernel pointer, user address, length) for each page-bounded piece of a prepared range.
template <typename Ops, typename Fn>
void for_each_user_piece(const PageTable<Ops>& as, uint64_t va, uint64_t len, Fn&& fn) {
    while (len) {
        const uint64_t piece_max = kPageSize - (va & (kPageSize - 1));
        const uint64_t piece = len < piece_max ? len : piece_max;
        fn(as.ops().frames().virt(as.lookup(va).phys), va, piece);
        va += piece;
        len -= piece;
    }
}

} // namespace detail

template <typename Ops>
bool copy_from_user(PageTable<Ops>& as, const Areas& areas, void* dst, uint64_t user_src,
                    uint64_t len) {
    if (len == 0) return true;
    if (!detail::prepare_user_range(as, areas, user_src, len, false)) return false;
    auto* out = static_cast<uint8_t*>(dst);
    detail::for_each_user_piece(as, user_src, len, [&](void* user, uint64_t va, uint64_t n) {
        copy_bytes(out + (va - user_src), user, n);
    });
    return true;
}

template <typename Ops>
bool copy_to_user(PageTable<Ops>& as, const Areas& areas, uint64_t user_dst, const void* src,
                  uint64_t len) {
    if (len == 0) return true;
    if (!detail::prepare_user_range(as, areas, user_dst, len, true)) return false;
    const auto* in = static_cast<const uint8_t*>(src);
    detail::for_each_user_piece(as, user_dst, len, [&](void* user, uint64_t va, uint64_t n) {
        copy_bytes(user, in + (va - user_dst), n);
    });
    return true;
}

// A NUL-terminated user string into dst[size]; false on a bad pointer or if no NUL comes
// within size - 1 characters.
template <typename Ops>
bool copy_string_from_user(PageTable<Ops>& as, const Areas& areas, char* dst, size_t size,
                           uint64_t user_src) {
    for (size_t i = 0; i < size;) {
        const uint64_t va = user_src + i;
        if (va < user_src || !detail::prepare_user_range(as, areas, va, 1, false)) break;
        const auto* page = static_cast<const char*>(as.ops().frames().virt(as.lookup(va).phys));
        for (uint64_t k = 0, left = kPageSize - (va & (kPageSize - 1)); k < left && i < size;
             ++k, ++i)
            if ((dst[i] = page[k]) == 0) return true;
    }
    if (size) dst[0] = 0;
    return false;
}

} // namespace kernel::mm
