#include "boot_bench.hpp"

#include "guests/bench_guest_abi.hpp"
#include "spawn.hpp"

#include <chrono>
#include <unistd.h>

namespace bench {

namespace {

// Generous: a run normally takes milliseconds; this only bounds a wedged monitor.
constexpr std::chrono::seconds kRunLimit{30};

// One run; false (with side.error set) unless the monitor exited with the expected status.
bool run_once(BootSide& side, std::vector<double>& samples) {
    auto run = run_process(side.argv, kRunLimit);
    if (!run) {
        side.error = run.error().message;
        side.unavailable = run.error().kind == vmm::ErrorKind::Unavailable;
        return false;
    }
    const ProcessOutcome& out = run.value();
    if (!out.exited || out.status != side.expected_status) {
        side.error = side.argv[0] + ": " + describe(out) + ", expected exit status " +
                     std::to_string(side.expected_status);
        if (!out.output.empty()) side.error += "; output: " + one_line(out.output);
        return false;
    }
    samples.push_back(out.wall_ns / 1e6);
    return true;
}

} // namespace

BootResult run_boot_bench(const BootConfig& config, bool kvm_available, Progress& progress) {
    const int status = static_cast<int>(bench_guest::kStatusOk);
    BootResult result;
    result.vmi = {"vmi run", {config.vmi, "run", config.kernel}, status, {}, {}, false};
    // isa-debug-exit makes QEMU exit with (v << 1) | 1 (docs/design.md §2.8).
    result.qemu = {"qemu microvm",
                   {config.qemu, "-M", "microvm", "-accel", "kvm", "-cpu",
                    "host,-arch-capabilities", "-m", "128M", "-nodefaults", "-no-user-config",
                    "-nographic", "-serial", "none", "-kernel", config.kernel, "-device",
                    "isa-debug-exit,iobase=0xf4,iosize=4", "-no-reboot"},
                   (status << 1) | 1,
                   {},
                   {},
                   false};

    BootSide* sides[] = {&result.vmi, &result.qemu};
    if (!kvm_available) {
        for (BootSide* s : sides) {
            s->error = "/dev/kvm is unavailable";
            s->unavailable = true;
        }
        return result;
    }
    // Unlike QEMU, vmi is part of this build: its absence is an error, not the host's lack.
    if (access(config.vmi.c_str(), X_OK) != 0)
        result.vmi.error = config.vmi + " not found (build the vmi target or pass --vmi)";
    if (access(config.kernel.c_str(), R_OK) != 0) {
        for (BootSide* s : sides)
            s->error = config.kernel + " not found (build bench guests)";
        return result;
    }

    // A first, untimed run of each checks the exit status and warms the page cache.
    std::vector<double> samples[2];
    bool live[2];
    for (int i = 0; i < 2; ++i) {
        std::vector<double> warmup;
        live[i] = sides[i]->error.empty() && run_once(*sides[i], warmup);
    }
    // Interleaved A B A B, so drift in machine load hits both sides alike.
    for (unsigned rep = 0; rep < config.reps && (live[0] || live[1]); ++rep) {
        progress.update("start-to-exit", rep + 1, config.reps);
        for (int i = 0; i < 2; ++i)
            if (live[i]) live[i] = run_once(*sides[i], samples[i]);
    }
    progress.finish();
    for (int i = 0; i < 2; ++i)
        if (live[i]) sides[i]->wall_ms = summarize(samples[i]);

    if (result.vmi.wall_ms && result.qemu.wall_ms) {
        result.ratio_median = result.qemu.wall_ms->median / result.vmi.wall_ms->median;
        result.ratio_min = result.qemu.wall_ms->min / result.vmi.wall_ms->min;
    }
    return result;
}

} // namespace bench
