#include "page_tables.hpp"

#include <stdexcept>
#include <string>
#include <vector>

namespace vmm::test {

namespace {

constexpr std::uint64_t kAddressBits = 0x000ffffffffff000ull;

unsigned shift_of(int level) {
    return 12 + 9 * static_cast<unsigned>(level - 1);
}

void must(const Result<void>& r) {
    if (!r) throw std::runtime_error("page table builder: " + r.error().message);
}

} // namespace

PageTables::PageTables(GuestMemory& memory, std::uint64_t pool, std::uint64_t pool_size)
    : memory_(memory), next_(pool), end_(pool + pool_size), pml4_(allocate()) {}

std::uint64_t PageTables::allocate() {
    if (next_ % k4KiB != 0 || end_ - next_ < k4KiB)
        throw std::runtime_error("page table builder: pool exhausted or misaligned");
    const std::uint64_t table = next_;
    next_ += k4KiB;
    must(memory_.write(GuestPhysAddr(table), std::vector<std::uint8_t>(k4KiB, 0)));
    return table;
}

std::uint64_t PageTables::entry_address(std::uint64_t gva, int level) const {
    std::uint64_t table = pml4_;
    for (int l = 4; l > level; --l) {
        const std::uint64_t e = entry(gva, l);
        if (!(e & kPtePresent) || (l < 4 && (e & kPtePageSize)))
            throw std::runtime_error("page table builder: no table at level " +
                                     std::to_string(l - 1));
        table = e & kAddressBits;
    }
    return table + ((gva >> shift_of(level)) & 0x1ff) * 8;
}

std::uint64_t PageTables::entry(std::uint64_t gva, int level) const {
    std::uint64_t table = pml4_;
    for (int l = 4; l >= level; --l) {
        const std::uint64_t at = table + ((gva >> shift_of(l)) & 0x1ff) * 8;
        auto e = memory_.read_obj<std::uint64_t>(GuestPhysAddr(at));
        if (!e) throw std::runtime_error("page table builder: " + e.error().message);
        if (l == level) return e.value();
        if (!(e.value() & kPtePresent)) return 0; // no table below: the entry does not exist
        table = e.value() & kAddressBits;
    }
    return 0;
}

void PageTables::set_entry(std::uint64_t gva, int level, std::uint64_t value) {
    must(memory_.write_obj(GuestPhysAddr(entry_address(gva, level)), value));
}

void PageTables::map(std::uint64_t gva, std::uint64_t gpa, std::uint64_t page_size,
                     std::uint64_t extra) {
    const int leaf = page_size == k4KiB ? 1 : page_size == k2MiB ? 2 : page_size == k1GiB ? 3 : 0;
    if (leaf == 0 || gva % page_size != 0 || gpa % page_size != 0)
        throw std::runtime_error("page table builder: bad page size or alignment");
    for (int level = 4; level > leaf; --level) {
        if (!(entry(gva, level) & kPtePresent))
            set_entry(gva, level, allocate() | kPtePresent | kPteWritable);
    }
    set_entry(gva, leaf, gpa | kPtePresent | kPteWritable | (leaf > 1 ? kPtePageSize : 0) | extra);
}

} // namespace vmm::test
