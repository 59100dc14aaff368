#include "pio_bench.hpp"

#include "guests/bench_guest_abi.hpp"
#include "kvm/kvm.hpp"
#include "machine/machine.hpp"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <ctime>
#include <fstream>
#include <iterator>
#include <memory>
#include <optional>
#include <vector>
#include <x86intrin.h>

namespace bench {

namespace {

struct Timing {
    double ns = 0;
    double cpu_ns = 0;
    double cycles = 0;
};

double thread_cpu_ns() {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) * 1e9 + static_cast<double>(ts.tv_nsec);
}

class Stopwatch {
  public:
    Stopwatch()
        : start_(std::chrono::steady_clock::now()), cpu_ns_(thread_cpu_ns()), tsc_(__rdtsc()) {}
    Timing elapsed() const {
        const std::uint64_t tsc = __rdtsc();
        const double cpu_ns = thread_cpu_ns();
        const auto now = std::chrono::steady_clock::now();
        return {std::chrono::duration<double, std::nano>(now - start_).count(), cpu_ns - cpu_ns_,
                static_cast<double>(tsc - tsc_)};
    }

  private:
    std::chrono::steady_clock::time_point start_;
    double cpu_ns_;
    std::uint64_t tsc_;
};

vmm::Result<std::vector<std::uint8_t>> read_kernel(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in)
        return vmm::make_error(vmm::ErrorKind::NoInput,
                               path + " not found (build the bench guests)");
    return std::vector<std::uint8_t>((std::istreambuf_iterator<char>(in)), {});
}

vmm::Result<std::unique_ptr<vmm::Machine>> make_machine(const vmm::Kvm& kvm,
                                                        const std::vector<std::uint8_t>& kernel,
                                                        std::uint64_t iters, unsigned timeout) {
    vmm::MachineConfig config;
    config.cmdline = std::string(bench_guest::kItersKey) + std::to_string(iters);
    config.timeout_sec = timeout;
    config.console = [](std::uint8_t) {};
    return vmm::Machine::create(kvm, kernel, std::move(config));
}

vmm::Error unexpected(const std::string& what) {
    return vmm::make_error(vmm::ErrorKind::System, what);
}

// (a): exactly what `vmi run` does once the machine exists. `timeout` is 0 for timed runs so
// neither path arms a timer; the checking run sets it to bound a broken guest.
vmm::Result<Timing> run_full(const vmm::Kvm& kvm, const std::vector<std::uint8_t>& kernel,
                             std::uint64_t iters, unsigned timeout = 0) {
    auto machine = TRY(make_machine(kvm, kernel, iters, timeout));
    const Stopwatch watch;
    const vmm::RunOutcome outcome = TRY(machine->run());
    const Timing t = watch.elapsed();
    if (outcome.reason != vmm::StopReason::DebugExit)
        return unexpected("Machine::run: guest stopped: " + outcome.detail);
    if (outcome.status != bench_guest::kStatusOk)
        return unexpected("Machine::run: guest exit status " + std::to_string(outcome.status) +
                          ", expected " + std::to_string(bench_guest::kStatusOk));
    const std::uint64_t outs = machine->stats().io(bench_guest::kLoopPort, true);
    if (outs != iters)
        return unexpected("Machine::run: " + std::to_string(outs) + " writes to the loop port, " +
                          "expected " + std::to_string(iters));
    return t;
}

// (b): the least a VMM can do per exit: re-enter until the guest writes the debug-exit port.
vmm::Result<Timing> run_raw(const vmm::Kvm& kvm, const std::vector<std::uint8_t>& kernel,
                            std::uint64_t iters) {
    auto machine = TRY(make_machine(kvm, kernel, iters, 0));
    vmm::Vcpu& vcpu = machine->vcpu();
    const kvm_run* run = vcpu.run_data();
    std::uint64_t exits = 0;
    const Stopwatch watch;
    for (;;) {
        if (!TRY(vcpu.run())) continue; // interrupted by a signal
        ++exits;
        if (run->exit_reason == KVM_EXIT_IO && run->io.port == vmm::DebugExit::kPort) break;
        if (run->exit_reason != KVM_EXIT_IO)
            return unexpected("raw KVM_RUN loop: unexpected exit " +
                              std::string(vmm::exit_reason_name(run->exit_reason)));
    }
    const Timing t = watch.elapsed();
    // Checked after the clock stops: the value the guest wrote lies in the run area.
    std::uint32_t status = 0;
    const auto* data = reinterpret_cast<const std::uint8_t*>(run) + run->io.data_offset;
    std::memcpy(&status, data, std::min<std::size_t>(run->io.size, sizeof status));
    if (status != bench_guest::kStatusOk)
        return unexpected("raw KVM_RUN loop: guest exit status " + std::to_string(status));
    if (exits != iters + 1)
        return unexpected("raw KVM_RUN loop: " + std::to_string(exits) + " exits, expected " +
                          std::to_string(iters + 1));
    return t;
}

struct Series {
    std::vector<double> loop_ns, loop_cpu_ns, loop_cycles, fixed_ms;
    void add(const Timing& loop, const Timing& fixed, std::uint64_t iters) {
        const double n = static_cast<double>(iters);
        loop_ns.push_back((loop.ns - fixed.ns) / n);
        loop_cpu_ns.push_back((loop.cpu_ns - fixed.cpu_ns) / n);
        loop_cycles.push_back((loop.cycles - fixed.cycles) / n);
        fixed_ms.push_back(fixed.ns / 1e6);
    }
    PioSide summary() const {
        return {summarize(loop_ns), summarize(loop_cpu_ns), summarize(loop_cycles),
                summarize(fixed_ms)};
    }
};

Overhead overhead(const std::vector<double>& a, const std::vector<double>& b) {
    const Summary sa = summarize(a), sb = summarize(b);
    std::vector<double> paired;
    for (std::size_t i = 0; i < a.size() && i < b.size(); ++i)
        paired.push_back(a[i] / b[i] - 1);
    return {sa.median / sb.median - 1, sa.min / sb.min - 1, summarize(paired)};
}

vmm::Result<void> measure(const PioConfig& config, PioResult& result, Progress& progress) {
    const vmm::Kvm kvm = TRY(vmm::Kvm::open());
    const auto kernel = TRY(read_kernel(config.kernel));

    // Checking runs, untimed: status, exit counts and a bounded run time on the full path.
    TRY(run_full(kvm, kernel, 64, 60));
    TRY(run_raw(kvm, kernel, 64));

    Series full, raw;
    for (unsigned rep = 0; rep < config.reps; ++rep) {
        progress.update("port-I/O round trips", rep + 1, config.reps);
        // Interleaved a b a b; each with its own fresh machine, created outside the clock.
        const Timing a = TRY(run_full(kvm, kernel, config.iters));
        const Timing b = TRY(run_raw(kvm, kernel, config.iters));
        const Timing a0 = TRY(run_full(kvm, kernel, 0));
        const Timing b0 = TRY(run_raw(kvm, kernel, 0));
        full.add(a, a0, config.iters);
        raw.add(b, b0, config.iters);
    }
    progress.finish();
    result.full = full.summary();
    result.raw = raw.summary();
    result.wall = overhead(full.loop_ns, raw.loop_ns);
    result.cpu = overhead(full.loop_cpu_ns, raw.loop_cpu_ns);
    return {};
}

} // namespace

PioResult run_pio_bench(const PioConfig& config, Progress& progress) {
    PioResult result;
    if (config.iters == 0) {
        result.error = "iters must be at least 1";
        return result;
    }
    auto r = measure(config, result, progress);
    progress.finish();
    if (!r) {
        result.full.reset();
        result.raw.reset();
        result.wall.reset();
        result.cpu.reset();
        result.error = r.error().message;
        result.unavailable = r.error().kind == vmm::ErrorKind::Unavailable;
    }
    return result;
}

} // namespace bench
