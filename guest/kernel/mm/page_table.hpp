// One x86-64 address space: a PML4 and the tables below it (SDM vol. 3A §4.5), changed only
// through an Ops policy so that the kernel's Ops issue VMI calls (kernel_ops.hpp) and host tests
// run the same code over plain memory (tests/unit_kernel). After Hedron's generic_page_table.
//
// The Ops policy (all members const; Ops is copied into every PageTable, so keep it a handle):
//   uint64_t read(const uint64_t* entry)           read an entry
//   void write(uint64_t* entry, uint64_t v, bool live)
//                         live: the old entry is present and reachable from the loaded CR3
//                         (VMI UPDATE_PTE); otherwise the slot is unused or unreachable (SET_PTE)
//   void set_run(uint64_t* first, unsigned n, uint64_t v, uint64_t step)
//                         SET_PTE of n consecutive unused slots to v, v + step, ... (one tight
//                         loop: a bulk mapping costs a few emulated instructions per entry)
//   void allocate_table(PhysAddr, unsigned level)  a zeroed frame becomes a table (ALLOCATE_PAGE)
//   void release_table(PhysAddr, unsigned level)   it stops being one (RELEASE_PAGE)
//   void invalidate(uint64_t va)                   INVAL_PAGE
//   void flush_tlb()                               FLUSH_TLB of non-global entries
//   void set_lazy(bool on)                         SET_LAZY_MODE(MMU / OFF), never nested
//   void load_root(PhysAddr pml4)                  SET_CR3
//   PhysAddr current_root()                        the PML4 in CR3
//   uint64_t* table(PhysAddr)                      a table's entries (physical to virtual)
//   FrameAllocator& frames()
//   PhysAddr kernel_pdpt()                         the shared kernel half, null while building it
//
// Entries of a table are written only between ALLOCATE_PAGE and RELEASE_PAGE, and only through
// Ops::write/set_run (docs/spec.md §4); a released table is a plain page again. Intermediate
// tables are kept until the address space is torn down. Which address space is loaded is known
// from Ops::current_root, so CR3 is changed only through activate(). Every table frame's allocator
// word summarises which 32-entry groups may hold present entries, so that walks over sparse tables
// skip most of their 512 entries: each entry read is an emulated kernel instruction or three on the
// test bed.
#pragma once

#include "frame_allocator.hpp"
#include "paging.hpp"
#include "result.hpp"

#include <stdint.h>

namespace kernel::mm {

// What a virtual address maps to.
struct Mapping {
    uint64_t entry = 0; // the leaf entry; 0 if nothing is mapped
    unsigned level = 0; // 1: 4 KiB page, 2: 2 MiB page, 3: 1 GiB page
    PhysAddr phys;      // the physical address of the looked-up byte

    bool present() const { return (entry & kPresent) != 0; }
    PhysAddr frame() const { return PhysAddr{phys.value & ~(level_span(level) - 1)}; }
};

template <typename Ops> class PageTable {
  public:
    constexpr PageTable() = default;
    constexpr explicit PageTable(Ops ops) : ops_(ops) {}

    // A new empty PML4 sharing the kernel half (entry 511 -> Ops::kernel_pdpt()).
    Result<void> create() {
        root_ = VMI_TRY(new_table(kLevelPml4));
        const PhysAddr kernel = ops_.kernel_pdpt();
        if (!kernel.null())
            write(Slot{root_, kKernelWindowEntry}, kernel.value | kPresent | kWritable, false);
        return {};
    }

    // Frees the user half and the PML4; the address space must not be the loaded one.
    Result<void> destroy() {
        if (root_.null()) return {};
        if (active()) return Error::InUse;
        destroy_user();
        // Only the shared kernel entry is left: cleared, not followed.
        ops_.release_table(root_, kLevelPml4);
        uint64_t* entries = ops_.table(root_);
        for_each_present(root_, 0, kEntriesPerTable, [&](unsigned i, uint64_t) {
            entries[i] = 0;
            return true;
        });
        ops_.frames().free_zeroed(root_);
        root_ = PhysAddr{};
        return {};
    }

    PhysAddr root() const { return root_; }
    bool active() const { return !root_.null() && ops_.current_root() == root_; }
    void activate() const { ops_.load_root(root_); }
    const Ops& ops() const { return ops_; }

    // Maps one 4 KiB page, or one 2 MiB page with kLarge in `flags` (SDM §4.5.4). User pages
    // (kUser) only below kUserTop. Fails with AlreadyMapped rather than replace a mapping.
    Result<void> map(uint64_t va, PhysAddr pa, uint64_t flags) {
        const unsigned level = (flags & kLarge) ? kLevelPd : kLevelPt;
        if (!valid_mapping(va, pa, level_span(level), flags)) return Error::BadAddress;
        const Slot s = VMI_TRY(walk(va, level, true));
        if (read(s) & kPresent) return Error::AlreadyMapped;
        write(s, pa.value | flags | kPresent, false);
        return {};
    }

    // Maps [va, va + len) to [pa, pa + len) with pages of one size, walking once per table and
    // batching the updates (SET_LAZY_MODE). A failure leaves what was mapped so far.
    Result<void> map_range(uint64_t va, PhysAddr pa, uint64_t len, uint64_t flags) {
        const unsigned level = (flags & kLarge) ? kLevelPd : kLevelPt;
        const uint64_t size = level_span(level);
        if (len == 0) return {};
        if ((len & (size - 1)) || va + len < va ||
            !valid_mapping(va + len - size, PhysAddr{pa.value + len - size}, size, flags) ||
            !valid_mapping(va, pa, size, flags) || (va < kUserTop) != (va + len - 1 < kUserTop))
            return Error::BadAddress;
        const Lazy lazy(ops_);
        for (uint64_t done = 0; done < len;) {
            bool fresh = false;
            const Slot first = VMI_TRY(walk(va + done, level, true, &fresh));
            const uint64_t room = kEntriesPerTable - first.index, left = (len - done) / size;
            const unsigned n = static_cast<unsigned>(left < room ? left : room);
            uint64_t* entries = ops_.table(first.table) + first.index;
            // A table this walk made is empty; only an older one needs looking at.
            for (unsigned i = 0; !fresh && i < n; ++i)
                if (ops_.read(entries + i) & kPresent) return Error::AlreadyMapped;
            mark(first.table, first.index, first.index + n);
            ops_.set_run(entries, n, (pa.value + done) | flags | kPresent, size);
            done += n * size;
        }
        return {};
    }

    // Removes the mapping of `va` (a 4 KiB or 2 MiB leaf) and invalidates it; returns the old
    // entry, 0 if there was none. The frame is the caller's (unref it if it was counted).
    uint64_t unmap(uint64_t va) {
        const Leaf leaf = find_leaf(va);
        if (!(leaf.entry & kPresent)) return 0;
        const bool live = active();
        write(leaf.slot, 0, live);
        if (live) ops_.invalidate(va);
        return leaf.entry;
    }

    // Unmaps every 4 KiB user page in [start, end) and drops its frame reference (munmap).
    Result<void> unmap_user_range(uint64_t start, uint64_t end) {
        if (!page_aligned(start) || !page_aligned(end) || start > end || end > kUserTop)
            return Error::BadAddress;
        const Lazy lazy(ops_);
        const bool live = active();
        TlbBatch tlb(ops_, live);
        visit(root_, kLevelPml4, 0, start, end, [&](Slot s, uint64_t va, uint64_t e) {
            write(s, 0, live);
            tlb.add(va);
            put_frame(e);
        });
        tlb.finish();
        return {};
    }

    // Replaces the 4 KiB mapping of `va` (frame and flags); returns the old entry.
    Result<uint64_t> remap(uint64_t va, PhysAddr pa, uint64_t flags) {
        if (!valid_mapping(va, pa, kPageSize, flags) || (flags & kLarge)) return Error::BadAddress;
        const Leaf leaf = find_leaf(va);
        if (!(leaf.entry & kPresent) || leaf.level != kLevelPt) return Error::NotMapped;
        const bool live = active();
        write(leaf.slot, pa.value | flags | kPresent, live);
        if (live) ops_.invalidate(va);
        return leaf.entry;
    }

    // New flags for the 4 KiB mapping of `va`, same frame.
    Result<void> protect(uint64_t va, uint64_t flags) {
        const Mapping m = lookup(va);
        if (!m.present() || m.level != kLevelPt) return Error::NotMapped;
        VMI_TRY(remap(page_floor(va), m.frame(), flags));
        return {};
    }

    // Drops a possibly stale TLB entry for `va` (a spurious fault), if this space is loaded.
    void invalidate(uint64_t va) const {
        if (active()) ops_.invalidate(va);
    }

    Mapping lookup(uint64_t va) const {
        const Leaf leaf = find_leaf(va);
        if (!(leaf.entry & kPresent)) return {};
        const uint64_t span = level_span(leaf.level);
        const uint64_t base = leaf.entry & kAddressMask & ~(span - 1);
        return Mapping{leaf.entry, leaf.level, PhysAddr{base + (va & (span - 1))}};
    }

    // fork: `child` (created, empty user half, not loaded) gets the user half of this address
    // space. Writable pages become read-only + kCopyOnWrite in both, every shared frame gains a
    // reference; read-only pages are shared as they are. On failure the child holds what was
    // copied (destroy it); the parent stays consistent.
    Result<void> clone_user_cow(PageTable& child) {
        if (child.root_.null() || child.active()) return Error::BadAddress;
        const Lazy lazy(ops_);
        TlbBatch tlb(ops_, active());
        const Result<void> r = clone_table(root_, child, child.root_, kLevelPml4, 0, tlb);
        tlb.finish();
        return r;
    }

    // Frees the whole user half: its tables, and a reference to every mapped frame (exec, exit).
    // The PML4 entries go first, then the detached tables are released outside lazy mode, so no
    // deferred update can land in a frame that is already free.
    void destroy_user() {
        constexpr unsigned kBatch = 16;
        const bool live = active();
        unsigned next = 0;
        while (next < kUserEntries) {
            uint64_t detached[kBatch];
            unsigned n = 0;
            {
                const Lazy lazy(ops_);
                next = for_each_present(root_, next, kUserEntries, [&](unsigned i, uint64_t e) {
                    write(Slot{root_, i}, 0, live);
                    detached[n++] = e;
                    return n < kBatch;
                });
                if (live && n) ops_.flush_tlb();
            }
            for (unsigned i = 0; i < n; ++i)
                free_subtree(PhysAddr{detached[i] & kAddressMask}, kLevelPdpt);
        }
        uint16_t& summary = ops_.frames().table_summary(root_);
        summary = static_cast<uint16_t>(summary & ~kUserGroups);
    }

  private:
    static constexpr unsigned kGroupSize = kEntriesPerTable / 16;
    static constexpr uint16_t kUserGroups = (1u << (kUserEntries / kGroupSize)) - 1;
    // More pages than this in one operation: one TLB flush instead of an INVLPG each. At CPL0
    // on the test bed an INVLPG costs ~7,500 cycles and a FLUSH_TLB (CR3 reload) ~23,500, and
    // the pages used afterwards miss the TLB once more.
    static constexpr unsigned kInvalidateLimit = 4;
    static constexpr uint64_t kTableFlags = kPresent | kWritable;

    struct Slot {
        PhysAddr table;
        unsigned index;
    };
    struct Leaf {
        Slot slot;
        unsigned level = 0;
        uint64_t entry = 0;
    };

    // SET_LAZY_MODE(MMU) for the scope: the effects are only guaranteed once it ends.
    class Lazy {
      public:
        explicit Lazy(const Ops& ops) : ops_(ops) { ops_.set_lazy(true); }
        ~Lazy() { ops_.set_lazy(false); }
        Lazy(const Lazy&) = delete;
        Lazy& operator=(const Lazy&) = delete;

      private:
        const Ops& ops_;
    };

    // Invalidations of one operation: INVLPG each page, or one flush past kInvalidateLimit.
    class TlbBatch {
      public:
        TlbBatch(const Ops& ops, bool live) : ops_(ops), live_(live) {}
        void add(uint64_t va) {
            if (!live_) return;
            if (n_ < kInvalidateLimit) pages_[n_] = va;
            ++n_;
        }
        void finish() {
            if (n_ > kInvalidateLimit)
                ops_.flush_tlb();
            else
                for (unsigned i = 0; i < n_; ++i)
                    ops_.invalidate(pages_[i]);
            n_ = 0;
        }

      private:
        const Ops& ops_;
        bool live_;
        unsigned n_ = 0;
        uint64_t pages_[kInvalidateLimit] = {};
    };

    static constexpr uint16_t group_bit(unsigned index) {
        return static_cast<uint16_t>(1u << (index / kGroupSize));
    }

    // Calls fn(index, entry) for the present entries among [first, last) of `table`, reading
    // only the 32-entry groups its summary marks, until fn returns false. Returns the index after
    // the last entry looked at.
    template <typename Fn>
    unsigned for_each_present(PhysAddr table, unsigned first, unsigned last, Fn&& fn) {
        const uint16_t summary = ops_.frames().table_summary(table);
        const uint64_t* entries = ops_.table(table);
        for (unsigned g = first / kGroupSize; g * kGroupSize < last; ++g) {
            if (!(summary & (1u << g))) continue;
            const unsigned end = (g + 1) * kGroupSize < last ? (g + 1) * kGroupSize : last;
            for (unsigned i = g * kGroupSize > first ? g * kGroupSize : first; i < end; ++i) {
                const uint64_t e = ops_.read(entries + i);
                if ((e & kPresent) && !fn(i, e)) return i + 1;
            }
        }
        return last;
    }

    static bool valid_mapping(uint64_t va, PhysAddr pa, uint64_t size, uint64_t flags) {
        if (!canonical(va) || (va & (size - 1)) || (pa.value & (size - 1))) return false;
        if ((pa.value & ~kAddressMask) || (flags & ~kMappingFlags)) return false;
        return !(flags & kUser) || va < kUserTop;
    }

    // Records in the table's summary that entries [first, last) may be present.
    void mark(PhysAddr table, unsigned first, unsigned last) {
        uint16_t& summary = ops_.frames().table_summary(table);
        for (unsigned g = first / kGroupSize; g <= (last - 1) / kGroupSize; ++g)
            summary = static_cast<uint16_t>(summary | (1u << g));
    }

    uint64_t* ptr(Slot s) const { return ops_.table(s.table) + s.index; }
    uint64_t read(Slot s) const { return ops_.read(ptr(s)); }
    void write(Slot s, uint64_t value, bool live) {
        if (value & kPresent) {
            uint16_t& summary = ops_.frames().table_summary(s.table);
            summary = static_cast<uint16_t>(summary | group_bit(s.index));
        }
        ops_.write(ptr(s), value, live);
    }

    Result<PhysAddr> new_table(unsigned level) {
        const PhysAddr t = VMI_TRY(ops_.frames().alloc(Fill::Zero));
        ops_.frames().table_summary(t) = 0;
        ops_.allocate_table(t, level);
        return t;
    }
    // Drops the reference a user leaf holds on its frame (frames outside the allocator, such as
    // a page shared from the kernel image, are not counted).
    void put_frame(uint64_t leaf) {
        const PhysAddr frame{leaf & kAddressMask};
        if (ops_.frames().owns(frame)) ops_.frames().unref(frame);
    }

    // The slot for `va` in its table of `level`; with `create`, missing tables are made on the
    // way (linked with SET_PTE: the slot was unused), and *created tells whether the last one was.
    Result<Slot> walk(uint64_t va, unsigned level, bool create, bool* created = nullptr) {
        PhysAddr table = root_;
        for (unsigned l = kLevelPml4; l > level; --l) {
            const Slot s{table, table_index(va, l)};
            const uint64_t e = read(s);
            if (created) *created = false;
            if (!(e & kPresent)) {
                if (!create) return Error::NotMapped;
                table = VMI_TRY(new_table(l - 1));
                write(s, table.value | kTableFlags | (va < kUserTop ? kUser : 0), false);
                if (created) *created = true;
            } else if (e & kLarge) {
                return Error::AlreadyMapped; // a large page covers va
            } else {
                table = PhysAddr{e & kAddressMask};
            }
        }
        return Slot{table, table_index(va, level)};
    }

    // The leaf that maps `va` at whatever level it is (entry 0 if none).
    Leaf find_leaf(uint64_t va) const {
        if (root_.null() || !canonical(va)) return {};
        PhysAddr table = root_;
        for (unsigned l = kLevelPml4; l >= kLevelPt; --l) {
            const Slot s{table, table_index(va, l)};
            const uint64_t e = read(s);
            if (!(e & kPresent)) return {};
            if (l == kLevelPt || ((e & kLarge) && l <= kLevelPdpt)) return Leaf{s, l, e};
            table = PhysAddr{e & kAddressMask};
        }
        return {};
    }

    // Calls fn(slot, va, entry) for every present 4 KiB leaf in [start, end) under `table`, whose
    // entry 0 maps `base`. Groups the summary marks empty are skipped unread.
    template <typename Fn>
    void visit(PhysAddr table, unsigned level, uint64_t base, uint64_t start, uint64_t end,
               Fn&& fn) {
        const uint64_t span = level_span(level);
        const uint64_t first = start > base ? (start - base) / span : 0;
        const uint64_t limit = (end - base + span - 1) / span;
        const unsigned last =
            limit < kEntriesPerTable ? static_cast<unsigned>(limit) : kEntriesPerTable;
        for_each_present(table, static_cast<unsigned>(first), last, [&](unsigned i, uint64_t e) {
            const uint64_t va = base + i * span;
            if (level == kLevelPt)
                fn(Slot{table, i}, va, e);
            else if (!(e & kLarge)) // large user pages are never made here
                visit(PhysAddr{e & kAddressMask}, level - 1, va, start, end, fn);
            return true;
        });
    }

    Result<void> clone_table(PhysAddr table, PageTable& child, PhysAddr child_table, unsigned level,
                             uint64_t base, TlbBatch& tlb) {
        const bool live = active();
        const unsigned count = level == kLevelPml4 ? kUserEntries : kEntriesPerTable;
        Result<void> result;
        for_each_present(table, 0, count, [&](unsigned i, uint64_t e) {
            const uint64_t va = base + i * level_span(level);
            if (level == kLevelPt) {
                uint64_t shared = e;
                if (e & kWritable) {
                    shared = (e & ~kWritable) | kCopyOnWrite;
                    write(Slot{table, i}, shared, live);
                    tlb.add(va);
                }
                const PhysAddr frame{e & kAddressMask};
                if (ops_.frames().owns(frame) && !ops_.frames().ref(frame)) {
                    result = Error::Full;
                    return false;
                }
                child.write(Slot{child_table, i}, shared, false);
            } else if (e & kLarge) {
                result = Error::BadAddress; // large user pages are never made here
            } else {
                const Result<PhysAddr> t = child.new_table(level - 1);
                if (!t.ok()) {
                    result = t.error();
                    return false;
                }
                child.write(Slot{child_table, i}, t.value().value | (e & ~kAddressMask), false);
                result =
                    clone_table(PhysAddr{e & kAddressMask}, child, t.value(), level - 1, va, tlb);
            }
            return result.ok();
        });
        return result;
    }

    // Releases a detached table, the tables below it and its frames' references. A released
    // table is an ordinary page again: its entries are cleared by plain stores where the summary
    // says they may be, which zeroes it (unused entries are always 0) for a fraction of the cost
    // of zeroing the frame later.
    void free_subtree(PhysAddr table, unsigned level) {
        ops_.release_table(table, level);
        uint64_t* entries = ops_.table(table);
        for_each_present(table, 0, kEntriesPerTable, [&](unsigned i, uint64_t e) {
            if (level == kLevelPt)
                put_frame(e);
            else if (!(e & kLarge))
                free_subtree(PhysAddr{e & kAddressMask}, level - 1);
            entries[i] = 0;
            return true;
        });
        ops_.frames().free_zeroed(table);
    }

    Ops ops_{};
    PhysAddr root_;
};

} // namespace kernel::mm
