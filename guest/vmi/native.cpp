// Native implementations in C++, reached through the trampolines in native.S. They are the
// behaviour of the calls on hardware or on any hypervisor without a ROM.
#include "native_cpu.hpp"
#include "pit.hpp"

#include <stdint.h>

namespace {

using namespace vmi::native;

constexpr uint16_t kCom1 = 0x3f8;
constexpr uint8_t kLsrThrEmpty = 0x20;

void uart_put(uint8_t c) {
    // An absent UART reads 0xff: THR empty, so this never spins forever.
    while (!(in8(kCom1 + 5) & kLsrThrEmpty)) {
    }
    out8(kCom1, c);
}

// CMOS RTC (MC146818): 0x70 selects the register, 0x71 reads it.
uint8_t rtc_read(uint8_t reg) {
    out8(0x70, reg);
    return in8(0x71);
}

bool from_bcd(uint8_t v, bool bcd, unsigned max, unsigned& out) {
    if (bcd) {
        if ((v & 0x0f) > 9 || (v >> 4) > 9) return false;
        v = static_cast<uint8_t>((v >> 4) * 10 + (v & 0x0f));
    }
    if (v > max) return false;
    out = v;
    return true;
}

// Days from 1970-01-01 to y-m-d (proleptic Gregorian; civil-from-days inverse).
int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = static_cast<unsigned>(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

// CPUID leaf 0x15 (TSC/crystal ratio, SDM vol. 2A) when it names the crystal, else the
// hypervisor timing leaf 0x40000010 (TSC kHz in eax) when a hypervisor offers it, else a 10 ms
// measurement against the PIT; 0 if none works. Measured once: the result is kept.
uint64_t cycle_frequency() {
    uint32_t a, b, c, d;
    cpuid(0, a, b, c, d);
    if (a >= 0x15) {
        cpuid(0x15, a, b, c, d);
        if (a && b && c) return uint64_t{c} * b / a;
    }
    cpuid(1, a, b, c, d);
    if (c & (1u << 31)) {
        cpuid(0x40000000, a, b, c, d);
        if (a >= 0x40000010) {
            cpuid(0x40000010, a, b, c, d);
            if (a) return uint64_t{a} * 1000;
        }
    }
    return pit_measure_tsc_hz();
}

} // namespace

extern "C" void vmi_native_console_write_impl(const char* buf, uint64_t len) {
    for (uint64_t i = 0; i < len; ++i)
        uart_put(static_cast<uint8_t>(buf[i]));
}

// Read directly by vmi_native_cycle_frequency (native.S) once known.
extern "C" uint64_t vmi_native_cycle_hz;
uint64_t vmi_native_cycle_hz;

extern "C" uint64_t vmi_native_cycle_frequency_impl() {
    static bool measured;
    if (!measured) {
        vmi_native_cycle_hz = cycle_frequency();
        measured = true;
    }
    return vmi_native_cycle_hz;
}

extern "C" uint64_t vmi_native_wallclock_impl() {
    // An absent RTC reads all ones.
    if (rtc_read(0x0a) == 0xff) return 0;
    // Wait out an update in progress (status A bit 7) rather than read torn values.
    for (int i = 0; i < 1000 && (rtc_read(0x0a) & 0x80); ++i) {
    }
    const uint8_t status_b = rtc_read(0x0b);
    const bool bcd = !(status_b & 0x04);
    unsigned sec, min, hour, day, mon, year;
    const uint8_t raw_hour = rtc_read(0x04);
    const bool pm = !(status_b & 0x02) && (raw_hour & 0x80);
    if (!from_bcd(rtc_read(0x00), bcd, 59, sec) || !from_bcd(rtc_read(0x02), bcd, 59, min) ||
        !from_bcd(raw_hour & 0x7f, bcd, 23, hour) || !from_bcd(rtc_read(0x07), bcd, 31, day) ||
        !from_bcd(rtc_read(0x08), bcd, 12, mon) || !from_bcd(rtc_read(0x09), bcd, 99, year) ||
        day == 0 || mon == 0)
        return 0;
    if (pm) hour = (hour % 12) + 12;
    const int64_t days = days_from_civil(2000 + year, mon, day);
    const int64_t secs = days * 86400 + hour * 3600 + min * 60 + sec;
    return static_cast<uint64_t>(secs) * 1000000000ull;
}
