#include "fake_machine.hpp"

#include <cstdlib>
#include <cstring>
#include <functional>

namespace kernel::mm::test {

FakeMachine::FakeMachine(uint64_t ram_bytes)
    : ram_(static_cast<uint8_t*>(std::aligned_alloc(kPageSize, ram_bytes))), bytes_(ram_bytes) {
    // Garbage, as RAM may hold at boot: nothing may rely on frames being zero unless asked.
    std::memset(ram_, 0xa5, bytes_);
    const PhysRange range{kRamBase, kRamBase + ram_bytes};
    const uint64_t offset = reinterpret_cast<uint64_t>(ram_) - kRamBase;
    if (!frames.init(offset, &range, 1).ok()) violation("frame allocator init failed");
}

FakeMachine::~FakeMachine() {
    std::free(ram_);
}

std::set<uint64_t> FakeMachine::reachable() const {
    std::set<uint64_t> out;
    if (current_root.null()) return out;
    std::function<void(uint64_t, unsigned)> walk = [&](uint64_t table, unsigned level) {
        out.insert(table);
        if (level == kLevelPt) return;
        const auto* e = static_cast<const uint64_t*>(virt(PhysAddr{table}));
        for (unsigned i = 0; i < kEntriesPerTable; ++i)
            if ((e[i] & kPresent) && !(e[i] & kLarge) && tables.count(e[i] & kAddressMask))
                walk(e[i] & kAddressMask, level - 1);
    };
    walk(current_root.value, kLevelPml4);
    return out;
}

void FakeOps::write(uint64_t* entry, uint64_t value, bool live) const {
    const uint64_t offset =
        reinterpret_cast<uint64_t>(entry) - reinterpret_cast<uint64_t>(m->ram());
    const uint64_t table = FakeMachine::kRamBase + (offset & ~(kPageSize - 1));
    if (offset >= m->ram_bytes() || !m->tables.count(table))
        m->violation("entry written outside an announced table");
    const bool old_present = (*entry & kPresent) != 0;
    if (live) {
        ++m->calls.update_pte;
        if (!old_present) m->violation("UPDATE_PTE of an unused slot (SET_PTE would do)");
    } else {
        ++m->calls.set_pte;
        if (old_present && m->reachable().count(table))
            m->violation("SET_PTE over a present entry the loaded CR3 reaches");
    }
    *entry = value;
}

void FakeOps::allocate_table(PhysAddr table, unsigned level) const {
    ++m->calls.allocate_table;
    if (level < kLevelPt || level > kLevelPml4) m->violation("ALLOCATE_PAGE of a bad level");
    if (m->tables.count(table.value)) m->violation("ALLOCATE_PAGE of a table");
    const auto* e = static_cast<const uint64_t*>(m->virt(table));
    for (unsigned i = 0; i < kEntriesPerTable; ++i)
        if (e[i]) {
            m->violation("ALLOCATE_PAGE(ZEROED) of a frame that is not zero");
            break;
        }
    m->tables[table.value] = level;
}

void FakeOps::release_table(PhysAddr table, unsigned level) const {
    ++m->calls.release_table;
    const auto it = m->tables.find(table.value);
    if (it == m->tables.end() || it->second != level)
        m->violation("RELEASE_PAGE of a frame that is no table of that level");
    if (m->reachable().count(table.value))
        m->violation("RELEASE_PAGE of a table the loaded CR3 reaches");
    if (m->lazy) m->violation("RELEASE_PAGE in lazy mode");
    if (it != m->tables.end()) m->tables.erase(it);
}

void FakeOps::invalidate(uint64_t va) const {
    ++m->calls.invalidate;
    m->invalidated.push_back(va);
}

void FakeOps::flush_tlb() const {
    ++m->calls.flush_tlb;
}

void FakeOps::set_lazy(bool on) const {
    if (on == m->lazy) m->violation(on ? "lazy mode nested" : "lazy mode ended twice");
    ++(on ? m->calls.lazy_on : m->calls.lazy_off);
    m->lazy = on;
}

void FakeOps::load_root(PhysAddr pml4) const {
    ++m->calls.load_root;
    const auto it = m->tables.find(pml4.value);
    if (it == m->tables.end() || it->second != kLevelPml4) m->violation("CR3 is not a PML4");
    m->current_root = pml4;
}

} // namespace kernel::mm::test
