#include "mm.hpp"

#include "memory_map.hpp"

#include <vmirt/boot.hpp>
#include <vmirt/ops.hpp>
#include <vmirt/pvh.hpp>

extern "C" char __kernel_end[];

namespace kernel::mm {

namespace {

// Frames come from [2 MiB, 1 GiB): below is where PVH boot structures and the kernel image
// start (the image is cut out separately); above is outside the kernel window.
constexpr uint64_t kFrameFloor = 2ull << 20;
constexpr uint64_t kWindowMax = vmi::boot::kBootMapBytes;
constexpr uint32_t kMaxMemmapEntries = 128;
// A command line is at most a page (our VMM: 4095 bytes and NUL); the page after it is kept too
// in case it straddles a boundary.
constexpr uint64_t kCmdlineReserve = 2 * kPageSize;
constexpr uint64_t kCr4Pge = 1u << 7; // CR4.PGE: global pages (SDM vol. 3A §4.10.2.4)

AddressSpace g_kernel_space;
uint64_t g_window_top;
// The kernel's PML4, PDPT and window PD: .bss, which the ELF loader zeroes, so building the
// window zeroes no frame at CPL0 (each would cost ~1.5 million cycles on the test bed).
alignas(kPageSize) uint64_t g_kernel_tables[3][kEntriesPerTable];

uint64_t align_up(uint64_t v, uint64_t a) {
    return (v + a - 1) & ~(a - 1);
}

} // namespace

Result<void> init(uint64_t start_info_phys) {
    const auto* si =
        static_cast<const vmi::pvh::StartInfo*>(vmi::boot::phys_to_virt(start_info_phys));
    // Everything is read through the window: the boot tables map it as the new ones will.
    if (si->magic != vmi::pvh::kStartInfoMagic || si->version < 1 || si->memmap_paddr == 0 ||
        si->memmap_entries == 0 || si->memmap_entries > kMaxMemmapEntries ||
        si->memmap_paddr >= kWindowMax ||
        si->memmap_paddr + si->memmap_entries * sizeof(MemmapEntry) > kWindowMax)
        return Error::BadBootInfo;
    const auto* map = static_cast<const MemmapEntry*>(vmi::boot::phys_to_virt(si->memmap_paddr));
    const unsigned entries = si->memmap_entries;

    const uint64_t kernel_end = vmi::boot::virt_to_phys(__kernel_end);
    const uint64_t top = memory_top(map, entries, kWindowMax);
    g_window_top = align_up(top > kernel_end ? top : kernel_end, kLargePageSize);
    if (g_window_top > kWindowMax) g_window_top = kWindowMax;

    const PhysRange holes[] = {
        {0, kernel_end},
        {start_info_phys, start_info_phys + sizeof(vmi::pvh::StartInfo)},
        {si->memmap_paddr, si->memmap_paddr + entries * sizeof(MemmapEntry)},
        {si->cmdline_paddr, si->cmdline_paddr ? si->cmdline_paddr + kCmdlineReserve : 0},
    };
    PhysRange ranges[FrameAllocator::kMaxRanges];
    const UsableRangesParams params{map,          entries, kFrameFloor,
                                    g_window_top, holes,   sizeof holes / sizeof holes[0]};
    const unsigned n = usable_ranges(params, ranges, FrameAllocator::kMaxRanges);
    VMI_TRY(detail::g_frames.init(vmi::boot::kKernelBase, ranges, n));
    for (uint64_t* table : g_kernel_tables)
        detail::g_frames.free_zeroed(PhysAddr{vmi::boot::virt_to_phys(table)});

    // The kernel window, as pvh_entry.S maps it but global and without the identity map.
    VMI_TRY(g_kernel_space.create());
    VMI_TRY(g_kernel_space.map_range(vmi::boot::kKernelBase, PhysAddr{0}, g_window_top,
                                     kWritable | kGlobal | kLarge));
    const uint64_t pml4e = g_kernel_space.ops().table(g_kernel_space.root())[kKernelWindowEntry];
    detail::g_kernel_pdpt = PhysAddr{pml4e & kAddressMask};
    g_kernel_space.activate();
    // Only now may global entries exist: none of the boot tables' entries is global, so the CR3
    // write above dropped them all (SDM §4.10.4.1).
    vmi::set_cr4(vmi::get_cr4() | kCr4Pge);
    return {};
}

FrameAllocator& frames() {
    return detail::g_frames;
}
AddressSpace& kernel_space() {
    return g_kernel_space;
}
const MmuCounters& mmu_counters() {
    return detail::g_counters;
}
uint64_t window_top() {
    return g_window_top;
}

} // namespace kernel::mm
