#include "rom_bench.hpp"

#include "spawn.hpp"

#include <chrono>
#include <unistd.h>

namespace bench {

namespace {

// Generous: the UART console run takes a few seconds on the emulating test bed; this only
// bounds a wedged monitor.
constexpr std::chrono::seconds kRunLimit{120};
constexpr const char* kConsoleBench = "console";

struct RunFigures {
    double wall_ms = 0;
    double exits = 0;
    std::optional<KernelBenchLine> bench; // console only
};

// One run of one side; nothing (with side.error set) unless the monitor exited with status 0,
// the kernel bound what this side expects, and everything to be parsed is there.
std::optional<RunFigures> run_side(RomSide& side, bool console, bool expect_rom) {
    auto fail = [&](const std::string& why, const ProcessOutcome* out = nullptr) {
        side.error = side.argv[0] + ": " + why;
        if (out && !out->output.empty()) side.error += "; output: " + one_line(out->output);
        return std::nullopt;
    };
    auto run = run_process(side.argv, kRunLimit, Capture::Full);
    if (!run) return fail(run.error().message);
    const ProcessOutcome& out = run.value();
    if (!out.exited || out.status != 0)
        return fail(describe(out) + ", expected exit status 0", &out);

    const auto vmi_line = find_vmi_line(out.stdout_text);
    if (!vmi_line) return fail("no `vmi:` line on stdout", &out);
    // A ROM that did not bind (or a binding without one) would compare the kernel with itself.
    if (vmi_line->starts_with("vmi: bound") != expect_rom)
        return fail(std::string("expected the kernel to ") + (expect_rom ? "bind" : "run native") +
                    ", it printed: " + *vmi_line);
    const auto stats = parse_exit_stats(out.stderr_text);
    if (!stats) return fail("no `exits by reason:` ... `total` table on stderr", &out);

    RunFigures figures{out.wall_ns / 1e6, static_cast<double>(stats->total), std::nullopt};
    if (console) {
        figures.bench = find_bench_line(out.stdout_text, kConsoleBench);
        if (!figures.bench || figures.bench->unit != "byte" || figures.bench->iterations == 0 ||
            figures.bench->cycles == 0)
            return fail("no {\"bench\":\"console\",...,\"unit\":\"byte\"} line on stdout", &out);
    }
    if (side.vmi_line.empty()) {
        side.vmi_line = *vmi_line;
        side.ports = stats->ports;
    }
    return figures;
}

struct Samples {
    std::vector<double> wall_ms;
    std::vector<double> exits;
    std::vector<double> cycles;
};

void record(RomSide& side, Samples& s, const RunFigures& f, std::uint64_t& bytes) {
    s.wall_ms.push_back(f.wall_ms);
    s.exits.push_back(f.exits);
    if (!f.bench) return;
    s.cycles.push_back(static_cast<double>(f.bench->cycles));
    side.guest_hz = f.bench->hz;
    // Both sides must have moved the same amount, or cycles per byte do not compare.
    if (bytes != 0 && bytes != f.bench->iterations)
        side.error = "the kernel wrote " + std::to_string(f.bench->iterations) +
                     " bytes, the other side " + std::to_string(bytes);
    bytes = f.bench->iterations;
}

// Runs both sides of one workload, interleaved A B A B after one untimed run of each (which
// checks the output and warms the page cache).
void measure(RomWorkload& w, bool console, unsigned reps, const std::string& phase,
             std::uint64_t& bytes, Progress& progress) {
    RomSide* sides[] = {&w.rom, &w.native};
    Samples samples[2];
    bool live[2];
    for (int i = 0; i < 2; ++i)
        live[i] = run_side(*sides[i], console, i == 0).has_value();
    for (unsigned rep = 0; rep < reps && (live[0] || live[1]); ++rep) {
        progress.update(phase, rep + 1, reps);
        for (int i = 0; i < 2; ++i) {
            if (!live[i]) continue;
            const auto f = run_side(*sides[i], console, i == 0);
            if (f) record(*sides[i], samples[i], *f, bytes);
            live[i] = f.has_value() && sides[i]->error.empty();
        }
    }
    progress.finish();
    for (int i = 0; i < 2; ++i) {
        if (!live[i]) continue;
        sides[i]->wall_ms = summarize(samples[i].wall_ms);
        sides[i]->exits = summarize(samples[i].exits);
        if (console) sides[i]->cycles = summarize(samples[i].cycles);
    }
    // no-ROM / ROM: guest cycles for the console (the same bytes, so the throughput ratio),
    // wall time for the boot.
    const auto& a = console ? w.rom.cycles : w.rom.wall_ms;
    const auto& b = console ? w.native.cycles : w.native.wall_ms;
    if (a && b) {
        w.ratio_median = b->median / a->median;
        w.ratio_min = b->min / a->min;
    }
}

RomSide side(std::string name, std::vector<std::string> argv) {
    RomSide s;
    s.name = std::move(name);
    s.argv = std::move(argv);
    return s;
}

} // namespace

RomResult run_rom_bench(const RomConfig& config, bool kvm_available, Progress& progress) {
    RomResult result;
    const std::string& vmi = config.vmi;
    const std::string& kernel = config.kernel;
    const std::string console_arg = std::string("run=bench:") + kConsoleBench;
    result.console.rom =
        side("with ROM", {vmi, "run", kernel, "--stats", "--cmdline", console_arg});
    result.console.native =
        side("--no-rom", {vmi, "run", kernel, "--no-rom", "--stats", "--cmdline", console_arg});
    result.boot.rom = side("with ROM", {vmi, "run", kernel, "--stats"});
    result.boot.native = side("--no-rom", {vmi, "run", kernel, "--no-rom", "--stats"});

    // kernel.elf, vmm.rom and vmi are part of this build: their absence is an error, not the
    // host's lack.
    if (access(kernel.c_str(), R_OK) != 0)
        result.error = kernel + " not found (build the kernel target, or pass --kernel)";
    else if (access(config.rom.c_str(), R_OK) != 0)
        result.error =
            config.rom + " not found; `vmi run` maps it by default (build the " + "vmm_rom target)";
    else if (access(vmi.c_str(), X_OK) != 0)
        result.error = vmi + " not found (build the vmi target or pass --vmi)";
    else if (!kvm_available) {
        result.error = "/dev/kvm is unavailable";
        result.unavailable = true;
    }
    if (!result.error.empty()) return result;

    measure(result.console, true, config.console_reps, "ROM: console", result.console_bytes,
            progress);
    std::uint64_t unused = 0;
    measure(result.boot, false, config.boot_reps, "ROM: boot", unused, progress);

    // Guest TSC cycles to seconds: KVM's rate is the one the guest's TSC runs at (no TSC
    // scaling here); the ROM reports the same rate to the kernel, the native kernel knows none.
    if (config.tsc_khz != 0 && config.tsc_source == "KVM_GET_TSC_KHZ") {
        result.tsc_hz = config.tsc_khz * 1000.0;
        result.tsc_source = config.tsc_source;
    } else if (result.console.rom.guest_hz != 0) {
        result.tsc_hz = static_cast<double>(result.console.rom.guest_hz);
        result.tsc_source = "the kernel's hz under the ROM";
    } else if (config.tsc_khz != 0) {
        result.tsc_hz = config.tsc_khz * 1000.0;
        result.tsc_source = config.tsc_source;
    }
    return result;
}

bool rom_measured(const RomResult& r) {
    for (const RomSide* s : {&r.console.rom, &r.console.native})
        if (!s->cycles || !s->error.empty()) return false;
    for (const RomSide* s : {&r.boot.rom, &r.boot.native})
        if (!s->wall_ms || !s->error.empty()) return false;
    return r.error.empty();
}

} // namespace bench
