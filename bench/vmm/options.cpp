#include "options.hpp"

#include <charconv>

namespace bench {

const char* const kUsage = R"(usage: vmm-bench [options]

Benchmarks the VMI-64 hypervisor core, each pair side by side in one run (interleaved
A B A B, medians):
  1. start-to-exit: `vmi run` vs QEMU microvm (KVM) on a guest that exits at once
  2. port-I/O round trip: vmm::Machine::run() vs a bare KVM_RUN loop on a guest that
     writes an unclaimed port --iters times
  3. what the ROM gains the same kernel: `vmi run kernel.elf` with the bundled vmm.rom vs
     `--no-rom`, for 64 KiB through the kernel console (run=bench:console) and for a
     boot to exit; guest TSC cycles, wall time and exits counted by `vmi run --stats`

options:
  --reps N          start-to-exit launches of each monitor, and ROM/no-ROM boots (default 20)
  --pio-reps N      port-I/O run pairs (default 100)
  --iters N         port writes per port-I/O run (default 10000)
  --console-reps N  ROM/no-ROM console run pairs (default 10)
  --quick           smoke run: 3 reps, 6 pio reps, 2000 writes, 3 console reps (explicit
                    values still win)
  --only WHAT       run only `boot` (start-to-exit), `pio` (port I/O) or `rom` (ROM gain)
  --json FILE       also write the results and the environment as JSON to FILE
  --vmi PATH        the vmi binary (default: vmi beside vmm-bench; it maps the vmm.rom
                    beside itself)
  --kernel PATH     the VMI kernel for `rom` (default: kernel.elf beside vmm-bench)
  --qemu PATH       QEMU binary (default: qemu-system-x86_64 from PATH)
  --guest-dir DIR   where quiet_exit.elf and pio_loop.elf are (default: ../bench/guests
                    relative to vmm-bench's folder)
  -h, --help        show this help

A measurement that cannot run (no /dev/kvm, no QEMU) is reported as missing, with the
reason; a missing kernel.elf or vmm.rom is an error (both are part of this build).
Exit status: 0 all requested figures measured or only missing for lack of KVM/QEMU,
1 a measurement failed (e.g. a monitor exited with an unexpected status), 64 bad command line.
)";

namespace {

template <typename T> vmm::Result<T> parse_count(std::string_view opt, std::string_view text) {
    T value = 0;
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || ptr != text.data() + text.size() || value == 0)
        return vmm::make_error(vmm::ErrorKind::Usage, "invalid " + std::string(opt) + " '" +
                                                          std::string(text) +
                                                          "' (a positive integer)");
    return value;
}

} // namespace

vmm::Result<Options> parse_options(const std::vector<std::string_view>& args) {
    Options opt;
    std::optional<unsigned> reps, pio_reps, console_reps;
    std::optional<std::uint64_t> iters;
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string_view a = args[i];
        auto value = [&]() -> vmm::Result<std::string_view> {
            if (i + 1 >= args.size())
                return vmm::make_error(vmm::ErrorKind::Usage,
                                       "option " + std::string(a) + " needs a value");
            return args[++i];
        };
        if (a == "-h" || a == "--help") {
            opt.help = true;
        } else if (a == "--reps") {
            reps = TRY(parse_count<unsigned>(a, TRY(value())));
        } else if (a == "--pio-reps") {
            pio_reps = TRY(parse_count<unsigned>(a, TRY(value())));
        } else if (a == "--console-reps") {
            console_reps = TRY(parse_count<unsigned>(a, TRY(value())));
        } else if (a == "--iters") {
            iters = TRY(parse_count<std::uint64_t>(a, TRY(value())));
        } else if (a == "--quick") {
            opt.quick = true;
        } else if (a == "--only") {
            const std::string_view what = TRY(value());
            if (what != "boot" && what != "pio" && what != "rom")
                return vmm::make_error(vmm::ErrorKind::Usage,
                                       "--only takes boot, pio or rom, not '" + std::string(what) +
                                           "'");
            opt.run_boot = what == "boot";
            opt.run_pio = what == "pio";
            opt.run_rom = what == "rom";
        } else if (a == "--json") {
            opt.json_path = std::string(TRY(value()));
        } else if (a == "--vmi") {
            opt.vmi = std::string(TRY(value()));
        } else if (a == "--kernel") {
            opt.kernel = std::string(TRY(value()));
        } else if (a == "--qemu") {
            opt.qemu = std::string(TRY(value()));
        } else if (a == "--guest-dir") {
            opt.guest_dir = std::string(TRY(value()));
        } else {
            return vmm::make_error(vmm::ErrorKind::Usage,
                                   "unknown argument '" + std::string(a) + "'");
        }
    }
    if (opt.quick) {
        opt.reps = kQuickReps;
        opt.pio_reps = kQuickPioReps;
        opt.iters = kQuickIters;
        opt.console_reps = kQuickConsoleReps;
    }
    if (reps) opt.reps = *reps;
    if (pio_reps) opt.pio_reps = *pio_reps;
    if (iters) opt.iters = *iters;
    if (console_reps) opt.console_reps = *console_reps;
    return opt;
}

} // namespace bench
