#include "mm_selftest.hpp"

#include "mm.hpp"

#include <vmirt/boot.hpp>
#include <vmirt/ops.hpp>

namespace kernel::mm {

namespace {

// A user-half address no test address space uses otherwise (PML4 entry 1).
constexpr uint64_t kTestVa = 0x0000008000000000ull;
constexpr uint64_t kPattern = 0x5a5a0123456789a5ull;

uint64_t* window(PhysAddr p) {
    return static_cast<uint64_t*>(frames().virt(p));
}

bool own_tables() {
    const AddressSpace& k = kernel_space();
    const Mapping text = k.lookup(reinterpret_cast<uint64_t>(&run_selftests));
    const Mapping rom = k.lookup(vmi::boot::kKernelBase + 0xc0000);
    return vmi::get_cr3() == k.root().value && k.active() && !k.lookup(0x100000).present() &&
           text.present() && text.level == kLevelPd && (text.entry & kGlobal) &&
           text.phys.value == vmi::boot::virt_to_phys(reinterpret_cast<void*>(&run_selftests)) &&
           rom.present() && (vmi::get_cr4() & (1u << 7));
}

// Maps a page into a fresh, loaded address space and uses it through its new address. Checks
// the VMI calls: unused slots get SET_PTE, the live leaf UPDATE_PTE and INVAL_PAGE.
void map_write_unmap(void (*check)(bool, const char*)) {
    AddressSpace as;
    const Result<PhysAddr> frame = frames().alloc();
    bool ok = as.create().ok() && frame.ok();
    bool calls = false;
    if (ok) {
        as.activate();
        const MmuCounters before = mmu_counters();
        ok = as.map(kTestVa, frame.value(), kWritable).ok();
        const MmuCounters mapped = mmu_counters();
        auto* page = reinterpret_cast<volatile uint64_t*>(kTestVa);
        if (ok) {
            page[0] = kPattern;
            page[511] = ~kPattern;
            ok = page[0] == kPattern && window(frame.value())[511] == ~kPattern;
        }
        const uint64_t old = as.unmap(kTestVa);
        const MmuCounters unmapped = mmu_counters();
        ok = ok && (old & kAddressMask) == frame.value().value && !as.lookup(kTestVa).present();
        // Three new tables below the PML4 and the leaf, all unused slots of a live space.
        calls = mapped.set_pte - before.set_pte == 4 && mapped.update_pte == before.update_pte &&
                mapped.allocate_page - before.allocate_page == 3 &&
                unmapped.update_pte - mapped.update_pte == 1 &&
                unmapped.inval_page - mapped.inval_page == 1 && unmapped.set_pte == mapped.set_pte;
        kernel_space().activate();
    }
    ok = as.destroy().ok() && ok;
    if (frame.ok()) frames().unref(frame.value());
    check(ok, "a fresh page maps, holds data and unmaps");
    check(calls, "unused slots are set with SET_PTE, live ones updated and invalidated");
}

// The leaf entry of `va`, found through the frame window (4 KiB mappings only).
uint64_t* leaf_entry(const AddressSpace& as, uint64_t va) {
    PhysAddr table = as.root();
    for (unsigned level = 4; level > kLevelPt; --level)
        table = PhysAddr{window(table)[(va >> (12 + 9 * (level - 1))) & 511] & kAddressMask};
    return window(table) + ((va >> 12) & 511);
}

// Map A and read it, so that the TLB may hold the translation; point the live entry at B,
// invalidate, read B; back to A with a full flush, read A. A lost invalidation can leave the
// old translation in use, and the check then fails.
bool remap_observed() {
    AddressSpace as;
    const Result<PhysAddr> a = frames().alloc(), b = frames().alloc();
    bool ok = as.create().ok() && a.ok() && b.ok() && as.map(kTestVa, a.value(), kWritable).ok();
    if (ok) {
        window(a.value())[0] = kPattern;
        window(b.value())[0] = ~kPattern;
        as.activate();
        auto* page = reinterpret_cast<volatile uint64_t*>(kTestVa);
        uint64_t* pte = leaf_entry(as, kTestVa);
        const uint64_t to_a = *pte;
        const uint64_t to_b = (to_a & ~kAddressMask) | b.value().value;
        ok = to_a == as.lookup(kTestVa).entry && page[0] == kPattern;
        vmi::update_pte(pte, to_b);
        vmi::inval_page(reinterpret_cast<const void*>(kTestVa));
        ok = ok && page[0] == ~kPattern;
        vmi::update_pte(pte, to_a);
        vmi::flush_tlb(VMI_FLUSH_TLB);
        ok = ok && page[0] == kPattern;
        kernel_space().activate();
        as.unmap(kTestVa); // the frames stay ours: destroy() frees only mapped frames
    }
    ok = as.destroy().ok() && ok;
    if (a.ok()) frames().unref(a.value());
    if (b.ok()) frames().unref(b.value());
    return ok;
}

bool frames_reused() {
    const uint64_t before = frames().free_frames();
    const Result<PhysAddr> a = frames().alloc();
    if (!a.ok()) return false;
    const bool counted = frames().count(a.value()) == 1 && frames().free_frames() == before - 1;
    frames().free(a.value());
    const Result<PhysAddr> b = frames().alloc();
    if (!b.ok()) return false;
    const bool same = b.value() == a.value();
    frames().unref(b.value());
    return counted && same && frames().free_frames() == before;
}

// A writable page of a loaded parent, cloned: shared read-only until each side writes.
bool cow_clone() {
    AddressSpace parent, child;
    Areas areas;
    const Result<PhysAddr> frame = frames().alloc();
    bool ok = parent.create().ok() && child.create().ok() && frame.ok() &&
              areas.add(kTestVa, kTestVa + kPageSize, kProtRead | kProtWrite).ok() &&
              parent.map(kTestVa, frame.value(), kUser | kWritable).ok();
    if (ok) {
        const PhysAddr shared = frame.value();
        window(shared)[0] = kPattern;
        parent.activate();
        ok = parent.clone_user_cow(child).ok();
        const Mapping p = parent.lookup(kTestVa), c = child.lookup(kTestVa);
        ok = ok && p.frame() == shared && c.frame() == shared && frames().count(shared) == 2 &&
             !(p.entry & kWritable) && !(c.entry & kWritable) && (p.entry & kCopyOnWrite) &&
             (c.entry & kCopyOnWrite);
        // The parent writes: it gets a copy, through its own (invalidated) mapping.
        const uint64_t write = kFaultPresent | kFaultWrite | kFaultUser;
        ok = ok && handle_user_fault(parent, areas, kTestVa + 8, write) == FaultResult::Resolved;
        auto* page = reinterpret_cast<volatile uint64_t*>(kTestVa);
        ok = ok && page[0] == kPattern;
        if (ok) page[0] = ~kPattern; // only once the page is the parent's own and writable
        const Mapping p2 = parent.lookup(kTestVa);
        ok = ok && p2.frame() != shared && (p2.entry & kWritable) && !(p2.entry & kCopyOnWrite) &&
             window(shared)[0] == kPattern && frames().count(shared) == 1;
        kernel_space().activate();
        // The child, now the only holder, takes the frame over without a copy.
        ok = ok && handle_user_fault(child, areas, kTestVa, write) == FaultResult::Resolved;
        const Mapping c2 = child.lookup(kTestVa);
        ok = ok && c2.frame() == shared && (c2.entry & kWritable) && frames().count(shared) == 1;
    }
    ok = parent.destroy().ok() && child.destroy().ok() && ok;
    return ok;
}

bool demand_zero() {
    AddressSpace as;
    Areas areas;
    bool ok = as.create().ok() &&
              areas.add(kTestVa, kTestVa + 4 * kPageSize, kProtRead | kProtWrite).ok() &&
              areas.add(kTestVa + 8 * kPageSize, kTestVa + 9 * kPageSize, kProtRead).ok();
    const uint64_t write = kFaultWrite | kFaultUser;
    ok = ok && handle_user_fault(as, areas, kTestVa + 0x1234, write) == FaultResult::Resolved;
    const Mapping m = as.lookup(kTestVa + 0x1234);
    ok = ok && m.present() && (m.entry & kUser) && (m.entry & kWritable) &&
         window(m.frame())[0] == 0 && window(m.frame())[511] == 0;
    ok = ok && handle_user_fault(as, areas, kTestVa + 4 * kPageSize, write) == FaultResult::Fatal;
    ok = ok && handle_user_fault(as, areas, kTestVa + 8 * kPageSize, write) == FaultResult::Fatal;
    ok = ok &&
         handle_user_fault(as, areas, kTestVa + 8 * kPageSize, kFaultUser) == FaultResult::Resolved;
    ok = ok &&
         handle_user_fault(as, areas, vmi::boot::kKernelBase, kFaultUser) == FaultResult::Fatal;
    ok = as.destroy().ok() && ok;
    return ok;
}

bool user_copies() {
    AddressSpace as;
    Areas areas;
    bool ok = as.create().ok() &&
              areas.add(kTestVa, kTestVa + 2 * kPageSize, kProtRead | kProtWrite).ok();
    const char text[] = "crosses a page boundary";
    char back[sizeof text] = {};
    const uint64_t at = kTestVa + kPageSize - 8;
    ok = ok && copy_to_user(as, areas, at, text, sizeof text) &&
         copy_from_user(as, areas, back, at, sizeof back);
    for (unsigned i = 0; i < sizeof text; ++i)
        ok = ok && back[i] == text[i];
    char name[24];
    ok = ok && copy_string_from_user(as, areas, name, sizeof name, at + 2) && name[0] == 'o' &&
         !copy_string_from_user(as, areas, name, 8, at);
    ok = ok && !copy_from_user(as, areas, back, 0, 1) &&
         !copy_from_user(as, areas, back, vmi::boot::kKernelBase, 1) &&
         !copy_to_user(as, areas, kTestVa + 2 * kPageSize, text, 1) &&
         !copy_to_user(as, areas, kTestVa + 2 * kPageSize - 4, text, 8) &&
         !copy_from_user(as, areas, back, ~0ull - 3, 8);
    ok = as.destroy().ok() && ok;
    return ok;
}

} // namespace

void run_selftests(void (*check)(bool ok, const char* name)) {
    const uint64_t free_before = frames().free_frames();
    const MmuCounters before = mmu_counters();
    check(own_tables(), "kernel runs on its own page tables");
    map_write_unmap(check);
    check(remap_observed(),
          "a remapped page reads its new frame after INVAL_PAGE and after FLUSH_TLB");
    check(frames_reused(), "freed frames are handed out again");
    check(cow_clone(), "a copy-on-write clone shares a frame until written");
    check(demand_zero(), "demand-zero faults fill only registered areas");
    check(user_copies(), "user copies check their pointers");
    const MmuCounters& after = mmu_counters();
    check(frames().free_frames() == free_before && after.allocate_page - before.allocate_page ==
                                                       after.release_page - before.release_page,
          "address spaces give back every frame and table");
}

} // namespace kernel::mm
