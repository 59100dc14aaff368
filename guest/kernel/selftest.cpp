#include "selftest.hpp"

#include "console.hpp"

#include <vmi/ops.hpp>

namespace kernel {

namespace {

int g_failures;

void check(bool ok, const char* name) {
    print("%s: %s\n", ok ? "PASS" : "FAIL", name);
    if (!ok) ++g_failures;
}

constexpr uint64_t kNsPer2020 = 1577836800ull * 1000000000ull; // 2020-01-01 UTC
constexpr uint64_t kNsPer2100 = 4102444800ull * 1000000000ull;
constexpr uint32_t kMsrKernelGsBase = 0xc0000102;
constexpr uint16_t kCom1Scratch = 0x3ff;

} // namespace

int run_selftests(const vmi::Report& report) {
    g_failures = 0;
    const bool bound = report.outcome == vmi::Outcome::Bound;

    check(bound ? report.sites_patched > 0 && report.sites_bad == 0 : report.sites_patched == 0,
          "call sites patched only when a ROM is bound");
    const uint64_t features = vmi::get_features();
    const bool rom_answers = vmi::binding(VMI_CALL_GET_FEATURES) == vmi::Binding::Call;
    // The header lists what the ROM always provides; the call may add run-time features.
    check(rom_answers ? (features & report.features) == report.features : features == 0,
          "feature query matches the bound ROM");

    const uint64_t c1 = vmi::get_cycle_counter(VMI_CYCLES_REAL);
    const uint64_t c2 = vmi::get_cycle_counter(VMI_CYCLES_REAL);
    check(c2 > c1, "cycle counter advances");
    check(vmi::get_cycle_counter(VMI_CYCLES_STOLEN) <= c2, "stolen cycles within real cycles");

    const uint64_t hz = vmi::get_cycle_frequency();
    const bool hz_plausible = hz >= 100000000ull && hz <= 10000000000ull;
    check((features & VMI_FEATURE_CYCLE_FREQUENCY) ? hz_plausible : (hz == 0 || hz_plausible),
          "cycle frequency known to the ROM, plausible otherwise");

    const uint64_t ns = vmi::get_wallclock_time();
    const bool ns_plausible = ns > kNsPer2020 && ns < kNsPer2100;
    check((features & VMI_FEATURE_WALLCLOCK) ? ns_plausible : (ns == 0 || ns_plausible),
          "wall clock known to the ROM, plausible otherwise");

    const auto leaf0 = vmi::cpuid(0);
    const auto leaf0_again = vmi::cpuid(0);
    check(leaf0.eax >= 1 && leaf0.ebx == leaf0_again.ebx && leaf0.ecx == leaf0_again.ecx,
          "cpuid leaf 0 is stable");
    const auto ext = vmi::cpuid(0x80000001);
    check((ext.edx & (1u << 29)) != 0, "cpuid reports long mode");

    const uint64_t cr0 = vmi::get_cr0();
    const uint64_t cr4 = vmi::get_cr4();
    check((cr0 & 0x80000001) == 0x80000001 && (cr4 & 0x20), "control registers show paging");

    const uint64_t old_gs = vmi::rdmsr(kMsrKernelGsBase);
    vmi::wrmsr(kMsrKernelGsBase, 0xffff800012345000ull);
    const uint64_t new_gs = vmi::rdmsr(kMsrKernelGsBase);
    vmi::wrmsr(kMsrKernelGsBase, old_gs);
    check(new_gs == 0xffff800012345000ull, "msr write reads back");

    vmi::disable_interrupts();
    check((vmi::get_interrupt_mask() & (1u << 9)) == 0, "interrupts disabled");

    vmi::outb(kCom1Scratch, 0x5a);
    const uint8_t scratch = vmi::inb(kCom1Scratch);
    check(scratch == 0x5a, "port I/O reaches the UART scratch register");

    vmi::flush_tlb(VMI_FLUSH_TLB);
    vmi::inval_page(&g_failures);
    check(vmi::get_cr3() != 0, "TLB flushes leave the address space intact");

    print("SUMMARY: %d failed\n", g_failures);
    return g_failures;
}

} // namespace kernel
