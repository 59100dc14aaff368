// A fake machine for the memory manager's host tests: "physical" RAM is a host buffer, and the
// PageTable Ops record every call and check the VMI rules the kernel's Ops must follow
// (docs/spec.md §4): entries change only in frames announced as tables, SET_PTE only where no
// loaded CR3 can reach a present old entry, lazy mode never nested, tables released unreachable.
#pragma once

#include "mm/frame_allocator.hpp"
#include "mm/page_table.hpp"
#include "mm/paging.hpp"

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace kernel::mm::test {

struct FakeCalls {
    int set_pte = 0;
    int update_pte = 0;
    int allocate_table = 0;
    int release_table = 0;
    int invalidate = 0;
    int flush_tlb = 0;
    int lazy_on = 0;
    int lazy_off = 0;
    int load_root = 0;
};

class FakeMachine {
  public:
    static constexpr uint64_t kRamBase = 2ull << 20; // "physical" address of the buffer

    explicit FakeMachine(uint64_t ram_bytes = 4ull << 20);
    ~FakeMachine();
    FakeMachine(const FakeMachine&) = delete;
    FakeMachine& operator=(const FakeMachine&) = delete;

    FrameAllocator frames;
    PhysAddr current_root;
    PhysAddr kernel_pdpt;
    bool lazy = false;
    FakeCalls calls;
    std::vector<uint64_t> invalidated;
    std::map<uint64_t, unsigned> tables; // frame -> level, between allocate and release
    std::vector<std::string> violations; // broken rules; every test expects none

    uint8_t* ram() const { return ram_; }
    uint64_t ram_bytes() const { return bytes_; }
    void* virt(PhysAddr p) const { return frames.virt(p); }
    // Tables reachable from the loaded PML4 (the root itself included).
    std::set<uint64_t> reachable() const;
    void violation(const std::string& what) { violations.push_back(what); }

  private:
    uint8_t* ram_;
    uint64_t bytes_;
};

struct FakeOps {
    FakeMachine* m = nullptr;

    uint64_t read(const uint64_t* entry) const { return *entry; }
    void write(uint64_t* entry, uint64_t value, bool live) const;
    void set_run(uint64_t* first, unsigned n, uint64_t value, uint64_t step) const {
        for (unsigned i = 0; i < n; ++i)
            write(first + i, value + i * step, false);
    }
    void allocate_table(PhysAddr table, unsigned level) const;
    void release_table(PhysAddr table, unsigned level) const;
    void invalidate(uint64_t va) const;
    void flush_tlb() const;
    void set_lazy(bool on) const;
    void load_root(PhysAddr pml4) const;
    PhysAddr current_root() const { return m->current_root; }
    uint64_t* table(PhysAddr t) const { return static_cast<uint64_t*>(m->virt(t)); }
    FrameAllocator& frames() const { return m->frames; }
    PhysAddr kernel_pdpt() const { return m->kernel_pdpt; }
};

using Space = PageTable<FakeOps>;

} // namespace kernel::mm::test
