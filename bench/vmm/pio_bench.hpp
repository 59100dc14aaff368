// Port-I/O dispatch cost: the pio_loop guest exits to userspace on every `out`; the same
// guest is driven (a) by vmm::Machine::run(), the full path `vmi run` uses (exit statistics,
// bounds checks, IoBus dispatch), and (b) by a bare KVM_RUN loop that only looks for the
// debug-exit port. (a) - (b) is what our dispatch adds to each round trip.
#pragma once

#include "progress.hpp"
#include "summary.hpp"

#include <cstdint>
#include <optional>
#include <string>

namespace bench {

struct PioConfig {
    std::string kernel; // pio_loop.elf
    std::uint64_t iters = 0;
    unsigned reps = 0;
};

struct PioSide {
    // Per round trip, from each rep's time for `iters` exits minus its time for none (so the
    // guest's boot and the final exit are not charged to the loop).
    Summary ns;       // wall clock
    Summary cpu_ns;   // the vCPU thread's CPU time, user + kernel (emulation included)
    Summary cycles;   // host TSC, wall
    Summary fixed_ms; // a run with iters=0: boot path plus the debug exit
};

// (a - b) / b of one time base.
struct Overhead {
    double of_medians = 0;
    double of_mins = 0;
    // (a_i - b_i) / b_i of each rep: a and b ran back to back, so load that comes and goes
    // between reps cancels; its median's confidence interval decides the target.
    Summary paired;
};

struct PioResult {
    std::optional<PioSide> full; // (a)
    std::optional<PioSide> raw;  // (b)
    // Wall time counts every moment another process held the CPU; thread CPU time does not,
    // so on a shared machine it is the steadier base for the target (docs/benchmarks-vmm.md).
    std::optional<Overhead> wall;
    std::optional<Overhead> cpu;
    std::string error; // why neither side was measured
    bool unavailable = false;
};

PioResult run_pio_bench(const PioConfig& config, Progress& progress);

} // namespace bench
