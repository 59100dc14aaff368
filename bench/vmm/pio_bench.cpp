// `vmm-pio-bench`: the port-I/O round trip, measured in-process because it compares two ways of
// driving the same vCPU. The pio_loop guest exits to userspace on every `out`; (a) is
// vmm::Machine::run(), the path `vmi run` takes (exit statistics, run-area checks, IoBus
// dispatch, polls); (b) is a bare KVM_RUN loop that only looks for the debug-exit port.
// (a) - (b) is what our dispatch adds per exit. It prints raw timings, one JSON line per pair of
// runs; bench/run does the statistics and the report.
#include "guests/bench_guest_abi.hpp"
#include "kvm/kvm.hpp"
#include "machine/machine.hpp"
#include "support/file.hpp"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <memory>
#include <string>
#include <string_view>
#include <vector>
#include <x86intrin.h>

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

void print_timing(const char* key, const Timing& t) {
    std::printf("\"%s\":{\"ns\":%.0f,\"cpu_ns\":%.0f,\"cycles\":%.0f}", key, t.ns, t.cpu_ns,
                t.cycles);
}

struct Options {
    std::string guest;
    std::uint64_t iters = 10000;
    unsigned reps = 100;
};

constexpr const char* kUsage = R"(usage: vmm-pio-bench GUEST.elf [--iters N] [--reps N]

Runs the pio_loop guest (build/bench/guests/pio_loop.elf) in pairs of fresh machines, driven
(a) by vmm::Machine::run() and (b) by a bare KVM_RUN loop, each with N port writes and with
none: a(N) b(N) a(0) b(0) per pair, after one checking run of each. Prints one JSON line per
pair with wall ns, thread CPU ns and host TSC cycles of each run; bench/run reports them.

  --iters N   port writes per run (default 10000)
  --reps N    pairs (default 100)

Exit status: 0 measured, 1 a run went wrong, 64 bad usage, 66 no guest, 69 no usable /dev/kvm.
)";

constexpr int kExitFailed = 1;
constexpr int kExitUsage = 64;
constexpr int kExitNoInput = 66;
constexpr int kExitUnavailable = 69;

template <typename T> bool parse_count(std::string_view text, T& value) {
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    return ec == std::errc() && ptr == text.data() + text.size() && value > 0;
}

bool parse(int argc, char** argv, Options& opt) {
    for (int i = 1; i < argc; ++i) {
        const std::string_view a = argv[i];
        const bool has_value = i + 1 < argc;
        if (a == "--iters" && has_value) {
            if (!parse_count(argv[++i], opt.iters)) return false;
        } else if (a == "--reps" && has_value) {
            if (!parse_count(argv[++i], opt.reps)) return false;
        } else if (!a.starts_with("-") && opt.guest.empty()) {
            opt.guest = a;
        } else {
            return false;
        }
    }
    return !opt.guest.empty();
}

int fail(const vmm::Error& e) {
    std::fprintf(stderr, "vmm-pio-bench: error: %s\n", e.message.c_str());
    switch (e.kind) {
    case vmm::ErrorKind::Unavailable:
        return kExitUnavailable;
    case vmm::ErrorKind::NoInput:
        return kExitNoInput;
    default:
        return kExitFailed;
    }
}

vmm::Result<void> measure(const Options& opt) {
    const vmm::Kvm kvm = TRY(vmm::Kvm::open());
    static constexpr std::uint8_t kElfMagic[] = {0x7f, 'E', 'L', 'F'};
    const vmm::InputRules rules{"guest",   64u << 20,           "64 MiB", vmm::ErrorKind::BadImage,
                                kElfMagic, "is not an ELF file"};
    const auto kernel = TRY(vmm::read_input_file(opt.guest, rules));

    // Checking runs, untimed: status, exit counts and a bounded run time on the full path.
    TRY(run_full(kvm, kernel, 64, 60));
    TRY(run_raw(kvm, kernel, 64));
    for (unsigned rep = 0; rep < opt.reps; ++rep) {
        // Each run gets its own fresh machine, created outside the clock.
        const Timing a = TRY(run_full(kvm, kernel, opt.iters));
        const Timing b = TRY(run_raw(kvm, kernel, opt.iters));
        const Timing a0 = TRY(run_full(kvm, kernel, 0));
        const Timing b0 = TRY(run_raw(kvm, kernel, 0));
        std::printf("{\"rep\":%u,\"iters\":%llu,", rep, static_cast<unsigned long long>(opt.iters));
        print_timing("full", a);
        std::putchar(',');
        print_timing("raw", b);
        std::putchar(',');
        print_timing("full_empty", a0);
        std::putchar(',');
        print_timing("raw_empty", b0);
        std::puts("}");
        std::fflush(stdout);
    }
    return {};
}

} // namespace

int main(int argc, char** argv) {
    Options opt;
    if (argc == 2 && (std::string_view(argv[1]) == "--help" || std::string_view(argv[1]) == "-h")) {
        std::fputs(kUsage, stdout);
        return 0;
    }
    if (!parse(argc, argv, opt)) {
        std::fputs(kUsage, stderr);
        return kExitUsage;
    }
    const auto r = measure(opt);
    return r ? 0 : fail(r.error());
}
