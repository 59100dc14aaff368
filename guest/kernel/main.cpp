// The reference VMI-fied kernel: boots through PVH, binds VMI, reports, and runs what the
// command line asks for (run=tests, run=bench:LIST). Every privileged operation is a vmi:: op.
#include "bench.hpp"
#include "boot_report.hpp"
#include "cmdline.hpp"
#include "console.hpp"
#include "events.hpp"
#include "mm/mm.hpp"
#include "selftest.hpp"
#include "start_info.hpp"

#include <vmi/boot.hpp>
#include <vmi/ops.hpp>
#include <vmi/runtime.hpp>

extern "C" const vmi_site __vmi_sites_start[];
extern "C" const vmi_site __vmi_sites_end[];

namespace kernel {

namespace {

#ifndef VMI_PURE_NATIVE
alignas(4096) uint8_t g_rom_state[4096];
#endif

const char* command_line(uint64_t start_info_phys) {
    const auto* si = static_cast<const StartInfo*>(vmi::boot::phys_to_virt(start_info_phys));
    if (si->magic != kStartInfoMagic || si->cmdline_paddr == 0 ||
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
    params.state_page = g_rom_state;
    params.state_phys = vmi::boot::virt_to_phys(g_rom_state);
    params.state_size = sizeof g_rom_state;
    params.sites_begin = __vmi_sites_start;
    params.sites_end = __vmi_sites_end;
    return vmi::bind(params);
#endif
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

    char run[128];
    int status = 0;
    const char* rom = report.outcome == vmi::Outcome::Bound ? report.rom_name : "none";
    if (!cmdline_value(cmdline, "run", run, sizeof run)) {
        print_facts(report);
    } else if (run[0] == 't' && list_contains(run, "tests")) {
        status = run_selftests(report);
    } else if (run[0] == 'b' && run[1] == 'e' && run[2] == 'n' && run[3] == 'c' &&
               run[4] == 'h' && run[5] == ':') {
        status = run_benchmarks(run + 6, rom);
    } else {
        print("FAIL: unknown run=%s (expected tests or bench:LIST)\n", run);
        status = 2;
    }
    flush();
    vmi::shutdown(static_cast<uint32_t>(status));
}
