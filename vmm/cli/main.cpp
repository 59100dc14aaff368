// `vmi`: the VMI-64 hypervisor's command.
#include "cli/exit_codes.hpp"
#include "cli/run_options.hpp"
#include "kvm/kvm.hpp"
#include "loader/pvh_elf.hpp"
#include "machine/cpu_state.hpp"
#include "machine/machine.hpp"
#include "rom/rom_image.hpp"
#include "support/file.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>
#include <unistd.h>
#include <vector>

namespace {

constexpr const char* kUsage = R"(usage: vmi <command> [args]

commands:
  run [KERNEL] [options]   boot a PVH kernel (see `vmi run --help`)
  bench [options]          run the benchmark suite (bench/run; see `vmi bench --help`)

options:
  -h, --help               show this help
  --version                print the version
)";

int fail(const vmm::Error& e) {
    std::fprintf(stderr, "vmi: %s\n", e.message.c_str());
    return vmm::exit_code::for_error(e.kind);
}

// Bundled files live next to the vmi binary (build/bin/).
std::string bundled(const char* name) {
    std::error_code ec;
    auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
    if (ec) return name;
    return (self.parent_path() / name).string();
}

// Larger than any kernel this VMM can load into its at most 3 GiB of guest memory.
constexpr std::uint64_t kMaxKernelBytes = 1ull << 30;

// stdio's own policy: line-buffered on a terminal, block-buffered into files and pipes (a
// flush per line costs a write(2) per line, half of a bulk console write's time).
void write_console(std::uint8_t byte) {
    std::fputc(byte, stdout);
}

int report(const vmm::RunOutcome& out) {
    using vmm::StopReason;
    std::fflush(stdout);
    if (out.reason == StopReason::DebugExit) {
        if (out.status <= 255) return static_cast<int>(out.status);
        std::fprintf(stderr, "vmi: guest exit status %u does not fit in 8 bits\n", out.status);
        return vmm::exit_code::kGuestStatusTooLarge;
    }
    std::fprintf(stderr, "vmi: %s\n", out.detail.c_str());
    vmm::print_registers(stderr, out.regs, out.sregs);
    switch (out.reason) {
    case StopReason::Halted:
        return vmm::exit_code::kGuestHalted;
    case StopReason::Shutdown:
        return vmm::exit_code::kGuestCrash;
    case StopReason::Timeout:
        return vmm::exit_code::kGuestTimeout;
    case StopReason::Reboot:
        return vmm::exit_code::kGuestReboot;
    default:
        return vmm::exit_code::kGuestUnhandled;
    }
}

int cmd_run(const std::vector<std::string_view>& args) {
    auto parsed = vmm::parse_run_options(args);
    if (!parsed) {
        std::fprintf(stderr, "vmi run: %s (see vmi run --help)\n", parsed.error().message.c_str());
        return vmm::exit_code::kUsage;
    }
    const vmm::RunOptions& opt = parsed.value();
    if (opt.help) {
        std::fputs(vmm::kRunUsage, stdout);
        return 0;
    }
    const std::string kernel_path = opt.kernel.value_or(bundled("kernel.elf"));
    auto kernel = vmm::read_input_file(kernel_path, "kernel", kMaxKernelBytes, "1 GiB");
    if (!kernel) return fail(kernel.error());
    // A malformed image is reported the same with or without /dev/kvm.
    if (auto image = vmm::parse_pvh_elf(kernel.value()); !image) {
        auto e = image.take_error();
        e.message = kernel_path + ": " + e.message;
        return fail(e);
    }

    if (auto valid = vmm::GuestMemory::validate_size(opt.mem_size); !valid)
        return fail(valid.error());

    std::vector<std::uint8_t> rom;
    if (!opt.no_rom) {
        auto image = vmm::read_rom_file(opt.rom.value_or(bundled("vmm.rom")));
        if (!image) {
            auto e = image.take_error();
            if (!opt.rom) e.message += " (pass --rom FILE or --no-rom)";
            return fail(e);
        }
        rom = std::move(image).value();
    }

    auto kvm = vmm::Kvm::open();
    if (!kvm) return fail(kvm.error());

    vmm::MachineConfig config;
    config.mem_size = opt.mem_size;
    config.cmdline = opt.cmdline;
    config.timeout_sec = opt.timeout_sec;
    config.console = write_console;
    config.rom = std::move(rom);
    config.cpuid_cache = opt.cpuid_cache == "on"    ? vmm::CpuidCache::On
                         : opt.cpuid_cache == "off" ? vmm::CpuidCache::Off
                                                    : vmm::CpuidCache::Auto;
    auto machine = vmm::Machine::create(kvm.value(), kernel.value(), std::move(config));
    if (!machine) {
        auto e = machine.take_error();
        e.message = kernel_path + ": " + e.message;
        return fail(e);
    }
    if (!machine.value()->rom_warning().empty())
        std::fprintf(stderr, "vmi: ROM data area not filled: %s\n",
                     machine.value()->rom_warning().c_str());
    auto outcome = machine.value()->run();
    if (!outcome) return fail(outcome.error());
    const int status = report(outcome.value());
    if (opt.stats) machine.value()->stats().print(stderr);
    return status;
}

} // namespace

// `vmi bench`: the harness lives in the source tree (bench/run, Python), which a build knows.
int cmd_bench(int argc, char** argv) {
    const std::string harness = VMI_SOURCE_DIR "/bench/run";
    std::vector<char*> args{const_cast<char*>(harness.c_str())};
    for (int i = 2; i < argc; ++i)
        args.push_back(argv[i]);
    args.push_back(nullptr);
    execv(harness.c_str(), args.data());
    std::fprintf(stderr, "vmi: cannot run %s: %s\n", harness.c_str(), std::strerror(errno));
    return vmm::exit_code::kNoInput;
}

int main(int argc, char** argv) {
    std::vector<std::string_view> args(argv + 1, argv + argc);
    if (args.empty()) {
        std::fputs("vmi: missing command (see vmi --help)\n", stderr);
        return vmm::exit_code::kUsage;
    }
    const std::string_view cmd = args.front();
    args.erase(args.begin());
    if (cmd == "-h" || cmd == "--help" || cmd == "help") {
        std::fputs(kUsage, stdout);
        return 0;
    }
    if (cmd == "--version") {
        std::puts("vmi " VMI_VERSION);
        return 0;
    }
    if (cmd == "run") return cmd_run(args);
    if (cmd == "bench") return cmd_bench(argc, argv);
    std::fprintf(stderr, "vmi: unknown command '%.*s' (see vmi --help)\n",
                 static_cast<int>(cmd.size()), cmd.data());
    return vmm::exit_code::kUsage;
}
