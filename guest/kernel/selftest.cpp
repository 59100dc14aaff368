#include "selftest.hpp"

#include "console.hpp"
#include "events.hpp"
#include "mm/mm.hpp"
#include "mm/mm_selftest.hpp"
#include "virtio/blk_selftest.hpp"

#include <vmirt/cpu.hpp>
#include <vmirt/ops.hpp>

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
constexpr uint64_t kCr2Probe = 0xffff800012345678ull;
constexpr uint64_t kCr4Tsd = 1u << 2; // only user-mode RDTSC depends on it
constexpr unsigned kInvalidOpcode = 6;

bool g_trap_frame_ok;
unsigned g_traps;
volatile unsigned g_ticks;

// Checks the frame the runtime built for a fault in kernel mode, skips the faulting ud2 and
// changes rax: the change is visible afterwards only if the runtime resumed this very frame.
vmi_trap_frame* on_invalid_opcode(vmi_trap_frame* frame) {
    ++g_traps;
    g_trap_frame_ok = frame->vector == kInvalidOpcode && frame->error_code == 0 &&
                      frame->cs == VMI_SEL_KERNEL_CODE;
    frame->rip += vmi::kInvalidOpcodeBytes;
    frame->rax += 1;
    return frame;
}

vmi_trap_frame* on_alarm(vmi_trap_frame* frame) {
    g_ticks = g_ticks + 1;
    vmi::apic_eoi();
    return frame;
}

uint64_t cycles() {
    return vmi::get_cycle_counter(VMI_CYCLES_REAL);
}

// A user-mode round trip: a kernel-mode fault switches to a user frame by returning it; the
// user code makes a system call that returns to it, then one whose handler returns the kept
// kernel frame.
constexpr uint64_t kUserVa = 0x400000;
constexpr uint64_t kRflagsIf = 1u << 9;
constexpr uint64_t kBackInKernel = 0x600d;
// mov $1,%eax; syscall; mov %rax,%rdi; mov $2,%eax; syscall; ud2
constexpr uint8_t kUserCode[] = {0xb8, 1, 0, 0, 0, 0x0f, 0x05, 0x48, 0x89, 0xc7,
                                 0xb8, 2, 0, 0, 0, 0x0f, 0x05, 0x0f, 0x0b};
constexpr uint64_t kAfterFirstSyscall = 7, kAfterSecondSyscall = 17;

vmi_trap_frame g_kernel_frame;
vmi_trap_frame g_user_frame;
unsigned g_syscalls;
bool g_user_frames_ok;

vmi_trap_frame* enter_user(vmi_trap_frame* frame) {
    g_kernel_frame = *frame;
    g_kernel_frame.rip += vmi::kInvalidOpcodeBytes;
    return &g_user_frame;
}

vmi_trap_frame* on_user_syscall(vmi_trap_frame* frame) {
    ++g_syscalls;
    const bool user = frame->vector == VMI_VECTOR_SYSCALL && frame->cs == VMI_SEL_USER_CODE &&
                      frame->ss == VMI_SEL_USER_DATA && frame->rcx == frame->rip &&
                      (frame->rflags & kRflagsIf) && frame->rsp == g_user_frame.rsp;
    if (g_syscalls == 1) {
        g_user_frames_ok = user && frame->rax == 1 && frame->rip == kUserVa + kAfterFirstSyscall;
        frame->rax = 100;
        return frame;
    }
    g_user_frames_ok = g_user_frames_ok && user && frame->rax == 2 && frame->rdi == 100 &&
                       frame->rip == kUserVa + kAfterSecondSyscall;
    g_kernel_frame.rax = kBackInKernel;
    return &g_kernel_frame;
}

bool user_round_trip() {
    mm::AddressSpace as;
    const mm::Result<mm::PhysAddr> frame = mm::frames().alloc(mm::Fill::Zero);
    bool ok = as.create().ok() && frame.ok() &&
              as.map(kUserVa, frame.value(), mm::kUser | mm::kWritable).ok();
    if (ok) {
        auto* code = static_cast<uint8_t*>(mm::frames().virt(frame.value()));
        for (unsigned i = 0; i < sizeof kUserCode; ++i)
            code[i] = kUserCode[i];
        g_user_frame = vmi_trap_frame{};
        g_user_frame.rip = kUserVa;
        g_user_frame.cs = VMI_SEL_USER_CODE;
        g_user_frame.rflags = kRflagsIf | 2;
        g_user_frame.rsp = kUserVa + mm::kPageSize;
        g_user_frame.ss = VMI_SEL_USER_DATA;
        as.activate();
        set_exception_handler(kInvalidOpcode, enter_user);
        set_syscall_handler(on_user_syscall);
        const uint64_t rax = vmi::invalid_opcode(0);
        set_syscall_handler(nullptr);
        set_exception_handler(kInvalidOpcode, nullptr);
        mm::kernel_space().activate();
        ok = rax == kBackInKernel && g_syscalls == 2 && g_user_frames_ok;
        as.unmap(kUserVa); // the frame stays ours: destroy() frees only mapped frames
    }
    ok = as.destroy().ok() && ok;
    if (frame.ok()) mm::frames().unref(frame.value());
    return ok;
}

// Waits with interrupts enabled until `ticks` alarms have arrived, at most `max_cycles`;
// halting in between is only safe while an alarm is periodic: one that arrives between the
// check and the halt leaves the halt waiting for the next.
bool wait_for_ticks(unsigned ticks, uint64_t max_cycles, bool halt) {
    const uint64_t start = cycles();
    vmi::enable_interrupts();
    while (g_ticks < ticks && cycles() - start < max_cycles) {
        if (halt) vmi::halt();
    }
    vmi::disable_interrupts();
    return g_ticks >= ticks;
}

// Events (docs/kernel.md "Events"): a kernel-mode exception round trip, then the alarm,
// periodic and one-shot, waited for with interrupts enabled and for at most a second each.
void event_selftests(uint64_t hz) {
    check(events_status() == VMI_OK, "event callbacks registered");

    set_exception_handler(kInvalidOpcode, on_invalid_opcode);
    const uint64_t rax = vmi::invalid_opcode(41);
    set_exception_handler(kInvalidOpcode, nullptr);
    check(rax == 42 && g_traps == 1 && g_trap_frame_ok,
          "a kernel-mode fault reaches the exception handler and resumes");
    check(user_round_trip(), "a user-mode context makes system calls and switches back");

    set_interrupt_handler(VMI_VECTOR_ALARM, on_alarm);
    const uint64_t period = hz / 100;
    g_ticks = 0;
    bool ok = hz != 0 && vmi::set_alarm(VMI_ALARM_PERIODIC, cycles() + period, period) == VMI_OK;
    ok = ok && wait_for_ticks(3, hz, true);
    vmi::cancel_alarm(0);
    check(ok, "periodic alarm ticks while the kernel halts");

    // A tick that was already pending at the cancel arrives here, not during the next test.
    wait_for_ticks(g_ticks + 1, hz / 1000, false);
    const unsigned before = g_ticks;
    ok = hz != 0 && vmi::set_alarm(VMI_ALARM_ONESHOT, cycles() + hz / 500, 0) == VMI_OK;
    ok = ok && wait_for_ticks(before + 1, hz, false);
    // Once: nothing more within another 5 ms.
    wait_for_ticks(before + 2, hz / 200, false);
    check(ok && g_ticks == before + 1, "one-shot alarm fires once");
    vmi::cancel_alarm(0);
    set_interrupt_handler(VMI_VECTOR_ALARM, nullptr);
}

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

    const uint64_t c1 = cycles();
    const uint64_t c2 = cycles();
    check(c2 > c1, "cycle counter advances");
    // AVAILABLE is REAL minus what was stolen so far, and stolen time passes in real time, so
    // AVAILABLE + STOLEN lies between the REAL reads around them; natively nothing is stolen.
    const uint64_t available = vmi::get_cycle_counter(VMI_CYCLES_AVAILABLE);
    const uint64_t stolen = vmi::get_cycle_counter(VMI_CYCLES_STOLEN);
    const uint64_t c3 = cycles();
    const bool rom_counts = vmi::binding(VMI_CALL_GET_CYCLE_COUNTER) == vmi::Binding::Call;
    check(available + stolen >= c2 && available + stolen <= c3 && (rom_counts || stolen == 0),
          "available and stolen cycles add up to real ones");

    // Natively from CPUID or, failing that, measured against the PIT.
    const uint64_t hz = vmi::get_cycle_frequency();
    check(hz >= 100000000ull && hz <= 10000000000ull, "cycle frequency known and plausible");

    const uint64_t ns = vmi::get_wallclock_time();
    const bool ns_plausible = ns > kNsPer2020 && ns < kNsPer2100;
    check((features & VMI_FEATURE_WALLCLOCK) ? ns_plausible : (ns == 0 || ns_plausible),
          "wall clock known to the ROM, plausible otherwise");

    const auto leaf0 = vmi::cpuid(0);
    const auto leaf0_again = vmi::cpuid(0);
    check(leaf0.eax >= 1 && leaf0.ebx == leaf0_again.ebx && leaf0.ecx == leaf0_again.ecx,
          "cpuid leaf 0 is stable");
    // CR2 only records fault addresses, and kernel code does not depend on CR4.TSD: both can be
    // changed for a moment and restored.
    const uint64_t cr2 = vmi::get_cr2();
    vmi::set_cr2(kCr2Probe);
    const bool cr2_ok = vmi::get_cr2() == kCr2Probe;
    vmi::set_cr2(cr2);
    const uint64_t cr4 = vmi::get_cr4();
    vmi::set_cr4(cr4 ^ kCr4Tsd);
    const bool cr4_ok = vmi::get_cr4() == (cr4 ^ kCr4Tsd);
    vmi::set_cr4(cr4);
    check(cr2_ok && cr4_ok && vmi::get_cr2() == cr2 && vmi::get_cr4() == cr4,
          "control register writes read back");

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

    event_selftests(hz);

    mm::run_selftests(check);
    virtio::run_blk_selftests(check);

    print("SUMMARY: %d failed\n", g_failures);
    return g_failures;
}

} // namespace kernel
