// `vmm-bench`: side-by-side benchmarks of the hypervisor core (docs/design.md §5). A program, not
// a test: it reports figures and whether the targets are met, and fails only when a
// measurement itself went wrong.
#include "boot_bench.hpp"
#include "environment.hpp"
#include "options.hpp"
#include "pio_bench.hpp"
#include "progress.hpp"
#include "report.hpp"
#include "rom_bench.hpp"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;

constexpr int kExitFailed = 1;
constexpr int kExitUsage = 64;

fs::path self_dir() {
    std::error_code ec;
    const fs::path self = fs::read_symlink("/proc/self/exe", ec);
    return ec ? fs::current_path() : self.parent_path();
}

// Missing tools are the environment's doing; anything else is a failed measurement.
bool failed(const bench::Report& r) {
    if (r.boot)
        for (const auto* s : {&r.boot->vmi, &r.boot->qemu})
            if (!s->wall_ms && !s->unavailable) return true;
    if (r.pio && !r.pio->full && !r.pio->unavailable) return true;
    if (r.rom && !r.rom->unavailable && !bench::rom_measured(*r.rom)) return true;
    return false;
}

} // namespace

int main(int argc, char** argv) {
    auto parsed = bench::parse_options(std::vector<std::string_view>(argv + 1, argv + argc));
    if (!parsed) {
        std::fprintf(stderr, "vmm-bench: %s (see vmm-bench --help)\n",
                     parsed.error().message.c_str());
        return kExitUsage;
    }
    bench::Report report;
    report.options = parsed.value();
    const bench::Options& opt = report.options;
    if (opt.help) {
        std::fputs(bench::kUsage, stdout);
        return 0;
    }

    const fs::path bin = self_dir();
    const fs::path guests =
        opt.guest_dir ? fs::path(*opt.guest_dir) : bin / ".." / "bench" / "guests";
    report.boot_guest = fs::weakly_canonical(guests / "quiet_exit.elf").string();
    report.pio_guest = fs::weakly_canonical(guests / "pio_loop.elf").string();
    const fs::path vmi = opt.vmi ? fs::path(*opt.vmi) : bin / "vmi";
    report.rom_kernel =
        fs::weakly_canonical(opt.kernel ? fs::path(*opt.kernel) : bin / "kernel.elf").string();
    // `vmi run` maps the vmm.rom beside itself unless told otherwise.
    report.rom_image = fs::weakly_canonical(vmi.parent_path() / "vmm.rom").string();

    std::fputs("vmm-bench: probing the host\n", stderr);
    report.env = bench::probe_environment(opt.qemu);
    if (!report.env.kvm_available)
        std::fprintf(stderr,
                     "vmm-bench: error: /dev/kvm unusable: %s; KVM figures will be missing\n",
                     report.env.kvm_error.c_str());
    if (opt.run_boot && !report.env.qemu_available)
        std::fprintf(stderr, "vmm-bench: error: %s; the QEMU column will be missing\n",
                     report.env.qemu_error.c_str());

    bench::Progress progress;
    if (opt.run_boot) {
        bench::BootConfig config;
        config.vmi = vmi.string();
        config.qemu = opt.qemu;
        config.kernel = report.boot_guest;
        config.reps = opt.reps;
        report.boot = bench::run_boot_bench(config, report.env.kvm_available, progress);
    }
    if (opt.run_pio) {
        bench::PioConfig config{report.pio_guest, opt.iters, opt.pio_reps};
        report.pio = bench::run_pio_bench(config, progress);
    }
    if (opt.run_rom) {
        bench::RomConfig config;
        config.vmi = vmi.string();
        config.kernel = report.rom_kernel;
        config.rom = report.rom_image;
        config.console_reps = opt.console_reps;
        config.boot_reps = opt.reps;
        config.tsc_khz = report.env.tsc_khz;
        config.tsc_source = report.env.tsc_source;
        report.rom = bench::run_rom_bench(config, report.env.kvm_available, progress);
        if (!report.rom->error.empty() && !report.rom->unavailable)
            std::fprintf(stderr, "vmm-bench: error: %s\n", report.rom->error.c_str());
    }

    bench::print_table(stdout, report);
    std::fflush(stdout);
    if (opt.json_path) {
        std::ofstream out(*opt.json_path);
        out << bench::to_json(report);
        if (!out) {
            std::fprintf(stderr, "vmm-bench: cannot write %s\n", opt.json_path->c_str());
            return kExitFailed;
        }
    }
    if (failed(report)) {
        std::fputs("vmm-bench: a measurement failed (see the table)\n", stderr);
        return kExitFailed;
    }
    return 0;
}
