#include "pit.hpp"

#include "native_cpu.hpp"

namespace vmi::native {

namespace {

constexpr uint64_t kPitHz = 1193182;
constexpr uint16_t kPitChannel2 = 0x42;
constexpr uint16_t kPitCommand = 0x43;
constexpr uint16_t kPortB = 0x61; // bit 0: channel 2 gate, bit 1: speaker data

// Control words: channel (bits 7:6), access lobyte/hibyte (5:4), mode (3:1), binary.
constexpr uint8_t kChannel2Mode0 = 0xb0;
constexpr uint8_t kChannel2Latch = 0x80;

constexpr uint16_t kCalibrationTicks = 11932; // 10 ms
// Bounds for a PIT that does not count: 2^30 cycles is over 10 ms below 100 GHz and under
// half a second at 2.4 GHz; the poll bound covers a TSC that does not advance either.
constexpr uint64_t kMaxCalibrationCycles = 1ull << 30;
constexpr uint32_t kMaxPolls = 200000;

uint16_t channel2_count() {
    out8(kPitCommand, kChannel2Latch);
    const uint8_t lo = in8(kPitChannel2);
    return static_cast<uint16_t>(lo | in8(kPitChannel2) << 8);
}

} // namespace

// The count is read back with latch commands rather than by polling OUT2 in port B: QEMU's
// microvm has no port B, and QEMU's and KVM's PIT models count whatever the gate.
uint64_t pit_measure_tsc_hz() {
    const uint8_t port_b = in8(kPortB);
    out8(kPortB, static_cast<uint8_t>((port_b & ~0x02) | 0x01));
    out8(kPitCommand, kChannel2Mode0);
    out8(kPitChannel2, 0xff);
    out8(kPitChannel2, 0xff);

    uint64_t hz = 0;
    const uint16_t start = channel2_count();
    const uint64_t t0 = rdtsc();
    for (uint32_t polls = 0; polls < kMaxPolls; ++polls) {
        const uint16_t elapsed = static_cast<uint16_t>(start - channel2_count());
        const uint64_t cycles = rdtsc() - t0;
        if (elapsed >= kCalibrationTicks) {
            hz = cycles * kPitHz / elapsed;
            break;
        }
        if (cycles > kMaxCalibrationCycles) break;
    }
    out8(kPortB, port_b);
    return hz;
}

} // namespace vmi::native
