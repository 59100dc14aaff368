// Native alarm and local APIC calls (docs/spec.md §4.2), reached through native.S. The local
// APIC is reached through x2APIC MSRs where CPUID.1:ECX[21] offers them, else through the xAPIC
// page, which the kernel maps (native.hpp). The alarm is the APIC timer: in TSC-deadline mode
// where CPUID.1:ECX[24] offers it (deadlines are cycle counts, no conversion), else counting
// down at a rate measured once against the TSC. With no APIC: VMI_ERR_UNSUPPORTED. Everything
// is set up at the first APIC or alarm call.
#include "native_cpu.hpp"

#include <vmi/vmi.h>
#include <vmirt/native.hpp>

extern "C" {
// How vmi_native_apic_eoi (native.S) reaches the APIC: 0 not at all, 1 x2APIC, 2 xAPIC page.
uint8_t vmi_native_apic_access;
volatile uint32_t* vmi_native_xapic;
// A periodic TSC-deadline alarm's period (0: none) and the deadline last armed; the alarm stub
// (events.S) arms the next deadline from them before the kernel's handler runs.
uint64_t vmi_native_alarm_period;
uint64_t vmi_native_alarm_deadline;

uint64_t vmi_native_cycle_frequency_impl();
}

namespace {

using namespace vmi::native;

enum Access : uint8_t { kNoApic = 0, kX2apic = 1, kXapic = 2 };
enum class Timer : uint8_t { None, TscDeadline, Count };

bool g_initialized;
Timer g_timer = Timer::None;
uint64_t g_timer_hz; // count-mode timer ticks per second
uint32_t g_icr_high; // x2APIC: xAPIC-format ICR high half until the low half sends it
vmi::DeviceMapper g_device_mapper;

constexpr uint32_t kCpuid1EcxX2apic = 1u << 21;
constexpr uint32_t kCpuid1EcxTscDeadline = 1u << 24;
constexpr uint32_t kMsrApicBase = 0x1b;
constexpr uint64_t kApicBaseX2apic = 1u << 10;
constexpr uint64_t kApicBaseEnable = 1u << 11;
constexpr uint64_t kApicBaseAddress = 0x000ffffffffff000ull;
constexpr uint32_t kMsrTscDeadline = 0x6e0;
constexpr uint32_t kMsrX2apicIcr = 0x830;
constexpr uint64_t kApicPageBytes = 4096;

// Registers by xAPIC offset (SDM vol. 3A, "Local APIC Register Address Map").
constexpr uint32_t kRegSpurious = 0xf0;
constexpr uint32_t kRegIcrLow = 0x300;
constexpr uint32_t kRegIcrHigh = 0x310;
constexpr uint32_t kRegLvtTimer = 0x320;
constexpr uint32_t kRegInitialCount = 0x380;
constexpr uint32_t kRegCurrentCount = 0x390;
constexpr uint32_t kRegDivide = 0x3e0;
constexpr uint32_t kRegLimit = 0x400;
constexpr uint32_t kSpuriousEnable = 0x100;
constexpr uint32_t kSpuriousVector = 0xff;
constexpr uint32_t kLvtMasked = 1u << 16;
constexpr uint32_t kLvtPeriodic = 1u << 17;
constexpr uint32_t kLvtTscDeadline = 2u << 17;
constexpr uint32_t kDivideBy16 = 0x3; // 1 GHz (KVM, QEMU) / 16: 68 s fit the 32-bit count

bool valid_register(uint32_t reg) {
    return (reg & 0xf) == 0 && reg < kRegLimit;
}

// x2APIC MSR of an xAPIC register offset (SDM vol. 3A, "x2APIC Register Address Space").
uint32_t x2apic_msr(uint32_t reg) {
    return 0x800 + (reg >> 4);
}

uint32_t apic_get(uint32_t reg) {
    if (vmi_native_apic_access == kX2apic) return static_cast<uint32_t>(rdmsr(x2apic_msr(reg)));
    return vmi_native_xapic[reg / 4];
}

void apic_set(uint32_t reg, uint32_t value) {
    if (vmi_native_apic_access == kX2apic)
        wrmsr(x2apic_msr(reg), value);
    else
        vmi_native_xapic[reg / 4] = value;
}

// Whole cycles * rate / hz without overflowing 64 bits for rates and hz up to 10^10.
uint64_t scale(uint64_t cycles, uint64_t rate, uint64_t hz) {
    return cycles / hz * rate + cycles % hz * rate / hz;
}

// Counts the timer's ticks over 1 ms of TSC: a short, bounded wait, only where the CPU has no
// TSC-deadline mode.
uint64_t measure_timer_hz(uint64_t hz) {
    apic_set(kRegDivide, kDivideBy16);
    apic_set(kRegLvtTimer, kLvtMasked | VMI_VECTOR_ALARM);
    apic_set(kRegInitialCount, ~0u);
    const uint64_t t0 = rdtsc();
    uint64_t t1 = t0;
    for (uint32_t i = 0; i < 1000000 && t1 - t0 < hz / 1000; ++i)
        t1 = rdtsc();
    const uint32_t ticks = ~0u - apic_get(kRegCurrentCount);
    apic_set(kRegInitialCount, 0);
    return t1 > t0 ? scale(ticks, hz, t1 - t0) : 0;
}

bool enable_apic() {
    uint32_t a, b, c, d;
    cpuid(1, a, b, c, d);
    uint64_t base = rdmsr(kMsrApicBase);
    // x2APIC mode is entered from xAPIC mode, never straight from disabled (SDM vol. 3A,
    // "x2APIC State Transitions").
    if (!(base & kApicBaseEnable)) wrmsr(kMsrApicBase, base |= kApicBaseEnable);
    if (c & kCpuid1EcxX2apic) {
        wrmsr(kMsrApicBase, base | kApicBaseX2apic);
        vmi_native_apic_access = kX2apic;
    } else if (g_device_mapper) {
        vmi_native_xapic = static_cast<volatile uint32_t*>(
            g_device_mapper(base & kApicBaseAddress, kApicPageBytes));
        if (!vmi_native_xapic) return false;
        vmi_native_apic_access = kXapic;
    } else {
        return false;
    }
    apic_set(kRegSpurious, kSpuriousEnable | kSpuriousVector);

    const uint64_t hz = vmi_native_cycle_frequency_impl();
    if (c & kCpuid1EcxTscDeadline) {
        apic_set(kRegLvtTimer, kLvtTscDeadline | VMI_VECTOR_ALARM);
        // Neither x2APIC MSR writes nor xAPIC stores serialize: the mode must be in place
        // before the first deadline is written (SDM vol. 3A, "TSC-Deadline Mode").
        asm volatile("mfence" ::: "memory");
        g_timer = Timer::TscDeadline;
    } else if (hz != 0 && (g_timer_hz = measure_timer_hz(hz)) != 0) {
        g_timer = Timer::Count;
    }
    return true;
}

bool apic_ready() {
    if (!g_initialized) {
        g_initialized = true;
        enable_apic();
    }
    return vmi_native_apic_access != kNoApic;
}

// Count-mode timer ticks for `cycles`, rounded up so that an alarm does not fire early; 0 if
// beyond the 32-bit count.
uint32_t timer_ticks(uint64_t cycles) {
    const uint64_t hz = vmi_native_cycle_frequency_impl();
    uint64_t ticks = scale(cycles, g_timer_hz, hz);
    if (scale(ticks, hz, g_timer_hz) < cycles) ++ticks;
    return ticks > ~0u ? 0 : ticks == 0 ? 1 : static_cast<uint32_t>(ticks);
}

} // namespace

void vmi::set_device_mapper(DeviceMapper mapper) {
    g_device_mapper = mapper;
}

// expiry is a GET_CYCLE_COUNTER(REAL) value. In count mode a periodic alarm first fires one
// period after the call.
extern "C" uint32_t vmi_native_set_alarm_impl(uint32_t flags, uint64_t expiry, uint64_t period) {
    if (flags & ~uint32_t{VMI_ALARM_PERIODIC}) return VMI_ERR_INVALID;
    const bool periodic = flags & VMI_ALARM_PERIODIC;
    if (periodic && period == 0) return VMI_ERR_INVALID;
    if (!apic_ready() || g_timer == Timer::None) return VMI_ERR_UNSUPPORTED;
    if (g_timer == Timer::TscDeadline) {
        vmi_native_alarm_period = periodic ? period : 0;
        vmi_native_alarm_deadline = expiry;
        wrmsr(kMsrTscDeadline, expiry != 0 ? expiry : 1); // 0 would disarm it
        return VMI_OK;
    }
    const uint64_t now = rdtsc();
    const uint32_t ticks = timer_ticks(periodic ? period : expiry > now ? expiry - now : 0);
    if (ticks == 0) return VMI_ERR_UNSUPPORTED;
    apic_set(kRegLvtTimer, (periodic ? kLvtPeriodic : 0) | VMI_VECTOR_ALARM);
    apic_set(kRegInitialCount, ticks);
    return VMI_OK;
}

// An alarm that already fired may still be pending: the kernel sees at most one more.
extern "C" void vmi_native_cancel_alarm_impl(uint32_t) {
    if (g_timer == Timer::TscDeadline) {
        vmi_native_alarm_period = 0;
        wrmsr(kMsrTscDeadline, 0);
    } else if (g_timer == Timer::Count) {
        apic_set(kRegInitialCount, 0); // a zero initial count stops the timer
    }
}

// In x2APIC mode values are as the MSRs hold them, except the ICR, which keeps the xAPIC split
// (destination in bits 31:24 of 0x310). With no APIC: reads 0, writes are ignored.
extern "C" uint32_t vmi_native_apic_read_impl(uint32_t reg) {
    if (!valid_register(reg) || !apic_ready()) return 0;
    if (vmi_native_apic_access == kX2apic && reg == kRegIcrHigh)
        return static_cast<uint32_t>(rdmsr(kMsrX2apicIcr) >> 32) << 24;
    if (vmi_native_apic_access == kX2apic && reg == kRegIcrLow)
        return static_cast<uint32_t>(rdmsr(kMsrX2apicIcr));
    return apic_get(reg);
}

extern "C" void vmi_native_apic_write_impl(uint32_t reg, uint32_t value) {
    if (!valid_register(reg) || !apic_ready()) return;
    if (vmi_native_apic_access == kX2apic && reg == kRegIcrHigh) {
        g_icr_high = value;
    } else if (vmi_native_apic_access == kX2apic && reg == kRegIcrLow) {
        wrmsr(kMsrX2apicIcr, uint64_t{g_icr_high >> 24} << 32 | value);
    } else {
        apic_set(reg, value);
    }
}
