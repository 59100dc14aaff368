// The reference VMI-fied kernel: boots through PVH, binds VMI, reports, and runs what the
// command line asks for (run=tests, run=bench:LIST, run=conform). Every privileged operation is
// a vmi:: op.
#include "bench.hpp"
#include "boot_report.hpp"
#include "cmdline.hpp"
#include "conform.hpp"
#include "console.hpp"
#include "events.hpp"
#include "mm/mm.hpp"
#include "proc/process.hpp"
#include "rom_state.hpp"
#include "selftest.hpp"
#include "virtio/blk.hpp"
#include "virtio/blk_selftest.hpp"

#include <vmirt/boot.hpp>
#include <vmirt/ops.hpp>
#include <vmirt/pvh.hpp>
#include <vmirt/runtime.hpp>

extern "C" const vmi_site __vmi_sites_start[];
extern "C" const vmi_site __vmi_sites_end[];

namespace kernel {

namespace {

const char* command_line(uint64_t start_info_phys) {
    const auto* si =
        static_cast<const vmi::pvh::StartInfo*>(vmi::boot::phys_to_virt(start_info_phys));
    if (si->magic != vmi::pvh::kStartInfoMagic || si->cmdline_paddr == 0 ||
        si->cmdline_paddr >= vmi::boot::kBootMapBytes)
        return "";
    return static_cast<const char*>(vmi::boot::phys_to_virt(si->cmdline_paddr));
}

vmi::Report bind_vmi() {
#ifdef VMI_PURE_NATIVE
    return vmi::Report{};
#else
    vmi::BindParams params{};
    params.phys_offset = vmi::boot::kKernelBase;
    params.state_page = rom_state();
    params.state_phys = vmi::boot::virt_to_phys(rom_state());
    params.state_size = kRomStateBytes;
    // Every frame, page tables included, is mapped at kKernelBase + physical (mm.cpp).
    params.init_flags = VMI_INIT_PAGE_TABLES_LINEAR;
    params.sites_begin = __vmi_sites_start;
    params.sites_end = __vmi_sites_end;
    return vmi::bind(params);
#endif
}

int g_kernel_failures;

[[noreturn]] void finish(int status) {
    flush();
    vmi::shutdown(static_cast<uint32_t>(g_kernel_failures + status));
}

// Process 1's exit ends the run; its status adds to the kernel's own failures.
void on_init_exit(int status) {
    finish(status);
}

// Hands the CPU to user mode: init runs `arg` (guest/user/init.cpp), preempted every 10 ms.
[[noreturn]] void start_processes(const char* arg) {
    flush();
    uint64_t hz = vmi::get_cycle_frequency();
    if (hz == 0) hz = 1000000000; // unknown: assume 1 GHz for the quantum
    proc::start_init("init", arg, hz / 100, on_init_exit);
}

uint64_t parse_u64(const char* s) {
    uint64_t v = 0;
    for (; *s >= '0' && *s <= '9'; ++s)
        v = v * 10 + static_cast<uint64_t>(*s - '0');
    return v;
}

// run=fault:kernel-frame: the kernel resumes a kernel-mode frame whose stack maps nothing, as a
// kernel bug would. Natively or deprivileged, this must end in the kernel's fault report and
// kKernelFaultStatus, not a hang (tests/kernel).
[[noreturn]] void resume_bad_kernel_frame() {
    print("kernel: resuming a kernel frame with an unmapped stack\n");
    flush();
    vmi_trap_frame f{};
    f.rip = reinterpret_cast<uint64_t>(&finish);
    f.cs = VMI_SEL_KERNEL_CODE;
    f.rflags = 2;
    f.rsp = 0xffffffff7fff0000ull; // below the kernel window: never mapped
    f.ss = VMI_SEL_KERNEL_DATA;
    f.rdi = 0;
    vmi::return_to_interrupted(&f);
}

void print_facts(const vmi::Report& r) {
    print("kernel: %u call sites, %u patched\n", r.sites, r.sites_patched);
    const uint64_t hz = vmi::get_cycle_frequency();
    if (hz)
        print("kernel: cycle frequency %lu.%03lu MHz\n", hz / 1000000, hz / 1000 % 1000);
    else
        print("kernel: cycle frequency unknown\n");
    const uint64_t ns = vmi::get_wallclock_time();
    if (ns)
        print("kernel: wall clock %lu s since 1970\n", ns / uint64_t{1000000000});
    else
        print("kernel: wall clock unknown\n");
    for (unsigned d = 0; d < virtio::disk_count(); ++d) {
        const virtio::DiskInfo disk = virtio::disk_info(d);
        print("kernel: disk %u at 0x%lx, IRQ %u: %lu sectors, %s%s\n", d, disk.base, disk.irq,
              disk.sectors, disk.read_only ? "read-only" : "read-write",
              disk.flush ? ", flush" : "");
    }
}

} // namespace

} // namespace kernel

extern "C" [[noreturn]] void vmi_boot_main(uint64_t start_info_phys) {
    using namespace kernel;
    const char* cmdline = command_line(start_info_phys);
    const vmi::Report report = bind_vmi();
    const uint32_t events = init_events(); // exceptions are reported from here on
    const mm::Result<void> memory = mm::init(start_info_phys); // from here on, own page tables
    print_boot_report(report);
    if (events != VMI_OK)
        print("kernel: event callbacks not registered: %s\n", vmi::status_name(events));
    if (!memory.ok()) {
        print("FAIL: memory: %s\n", mm::error_name(memory.error()));
        flush();
        vmi::shutdown(3);
    }
    virtio::init_disks(cmdline);

    char run[128];
    char iterations_text[24];
    const uint64_t iterations =
        cmdline_value(cmdline, "iterations", iterations_text, sizeof iterations_text)
            ? parse_u64(iterations_text)
            : 0;
    const char* rom = report.outcome == vmi::Outcome::Bound ? report.rom_name : "none";
    if (!cmdline_value(cmdline, "run", run, sizeof run)) {
        print_facts(report);
        finish(0);
    }
    if (list_contains(run, "fault:kernel-frame")) resume_bad_kernel_frame();
    if (run[0] == 'b' && run[1] == 'l' && run[2] == 'k' && run[3] == ':') {
        const int failures = virtio::run_blk_command(run + 4);
        if (failures >= 0) finish(failures);
    }
    if (list_contains(run, "conform")) finish(run_conformance(report) ? 1 : 0);
    if (run[0] == 't' && list_contains(run, "tests")) {
        g_kernel_failures = run_selftests(report);
        start_processes("tests");
    }
    if (run[0] == 'b' && run[1] == 'e' && run[2] == 'n' && run[3] == 'c' && run[4] == 'h' &&
        run[5] == ':') {
        char user[160];
        g_kernel_failures = run_benchmarks(run + 6, rom, iterations, user, sizeof user);
        if (!user[0]) finish(0);
        // init runs each user-level benchmark: "bench:a,b[:N]".
        char arg[200] = "bench:";
        size_t n = 6;
        for (const char* p = user; *p && n + 1 < sizeof arg; ++p)
            arg[n++] = *p;
        if (iterations) {
            arg[n++] = ':';
            for (const char* p = iterations_text; *p && n + 1 < sizeof arg; ++p)
                arg[n++] = *p;
        }
        arg[n] = 0;
        start_processes(arg);
    }
    print("FAIL: unknown run=%s (expected tests, conform, bench:LIST, blk:write-sig or "
          "blk:check-sig)\n",
          run);
    finish(2);
}
