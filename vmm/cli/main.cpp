// `vmi`: the VMI-64 hypervisor's command.
#include "cli/console_output.hpp"
#include "cli/exit_codes.hpp"
#include "cli/run_options.hpp"
#include "kvm/host_cpu.hpp"
#include "kvm/kvm.hpp"
#include "loader/pvh_elf.hpp"
#include "machine/cpu_state.hpp"
#include "machine/machine.hpp"
#include "machine/virtio_layout.hpp"
#include "rom/rom_image.hpp"
#include "support/disk_file.hpp"
#include "support/file.hpp"
#include "support/seccomp.hpp"

#include <cerrno>
#include <csignal>
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

// Every line the VMM itself prints starts with "vmm:", so that it never reads as guest output
// (whose runtime prints "vmi:" lines of its own).
int fail(const vmm::Error& e) {
    std::fprintf(stderr, "vmm: %s\n", e.message.c_str());
    return vmm::exit_code::for_error(e.kind);
}

// Bundled files live next to the vmi binary (build/bin/).
std::string bundled(const char* name) {
    std::error_code ec;
    auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
    if (ec) return name;
    return (self.parent_path() / name).string();
}

// The bundled ROM offered without --rom: where KVM emulates guest kernel mode (no VT-x/SVM) the
// one that runs the kernel at CPL3 (docs/monitor.md), elsewhere the direct one.
const char* default_rom() {
    return vmm::host_virtualization_extension() == "none" ? "vmm-deprivileged.rom" : "vmm.rom";
}

// Larger than any kernel this VMM can load into its at most 3 GiB of guest memory.
constexpr std::uint64_t kMaxKernelBytes = 1ull << 30;

std::string size_text(std::uint64_t bytes) {
    if (bytes % (1u << 20) == 0) return std::to_string(bytes >> 20) + " MiB";
    if (bytes % (1u << 10) == 0) return std::to_string(bytes >> 10) + " KiB";
    return std::to_string(bytes) + " bytes";
}

int report(const vmm::RunOutcome& out, vmm::ConsoleOutput& console) {
    using vmm::StopReason;
    // What the guest wrote comes first, and its failure to arrive outranks how the guest ended.
    if (!console.flush() && out.reason != StopReason::ConsoleError) {
        std::fprintf(stderr, "vmm: %s\n", console.check()->detail.c_str());
        return vmm::exit_code::kConsoleError;
    }
    switch (out.reason) {
    case StopReason::DebugExit:
        if (out.status <= 255) return static_cast<int>(out.status);
        std::fprintf(stderr, "vmm: guest exit status %u does not fit in 8 bits\n", out.status);
        return vmm::exit_code::kGuestStatusTooLarge;
    case StopReason::Signal:
        std::fprintf(stderr, "vmm: %s\n", out.detail.c_str());
        return vmm::exit_code::kSignalBase + static_cast<int>(out.status);
    case StopReason::ConsoleLimit:
        std::fprintf(stderr, "vmm: %s\n", out.detail.c_str());
        return vmm::exit_code::kConsoleLimit;
    case StopReason::ConsoleError:
        std::fprintf(stderr, "vmm: %s\n", out.detail.c_str());
        return vmm::exit_code::kConsoleError;
    default:
        break;
    }
    std::fprintf(stderr, "vmm: %s\n", out.detail.c_str());
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
        std::fprintf(stderr, "vmm: %s (see vmi run --help)\n", parsed.error().message.c_str());
        return vmm::exit_code::kUsage;
    }
    const vmm::RunOptions& opt = parsed.value();
    if (opt.help) {
        std::fputs(vmm::kRunUsage, stdout);
        return 0;
    }
    const std::string kernel_path = opt.kernel.value_or(bundled("kernel.elf"));
    static constexpr std::uint8_t kElfMagic[] = {0x7f, 'E', 'L', 'F'};
    const vmm::InputRules kernel_rules{"kernel",  kMaxKernelBytes,
                                       "1 GiB",   vmm::ErrorKind::BadImage,
                                       kElfMagic, "is not an ELF file"};
    auto kernel = vmm::read_input_file(kernel_path, kernel_rules);
    if (!kernel) return fail(kernel.error());
    // A malformed image is reported the same with or without /dev/kvm.
    auto image = vmm::parse_pvh_elf(kernel.value());
    if (!image) {
        auto e = image.take_error();
        e.message = kernel_path + ": " + e.message;
        return fail(e);
    }

    if (auto valid = vmm::GuestMemory::validate_size(opt.mem_size); !valid)
        return fail(valid.error());
    if (const std::uint64_t needed = vmm::memory_needed(image.value()); opt.mem_size < needed)
        return fail(vmm::make_error(vmm::ErrorKind::Usage,
                                    "--mem " + size_text(opt.mem_size) + " is less than the " +
                                        size_text(needed) + " kernel '" + kernel_path + "' needs"));

    std::vector<std::uint8_t> rom;
    if (!opt.no_rom) {
        auto rom_image = vmm::read_rom_file(opt.rom.value_or(bundled(default_rom())));
        if (!rom_image) {
            auto e = rom_image.take_error();
            if (!opt.rom) e.message += " (pass --rom FILE or --no-rom)";
            return fail(e);
        }
        rom = std::move(rom_image).value();
    }

    std::vector<vmm::DiskFile> disks;
    for (const auto& d : opt.disks) {
        auto disk = vmm::open_disk(d.path, d.readonly);
        if (!disk) return fail(disk.error());
        disks.push_back(std::move(disk).value());
    }
    auto cmdline =
        vmm::virtio_layout::kernel_cmdline(opt.cmdline, static_cast<unsigned>(disks.size()));
    if (!cmdline) return fail(cmdline.error());

    auto kvm = vmm::Kvm::open();
    if (!kvm) return fail(kvm.error());

    // A closed pipe must show as a write error we report, not kill the VMM.
    std::signal(SIGPIPE, SIG_IGN);
    vmm::ConsoleOutput console(STDOUT_FILENO, opt.console_limit, isatty(STDOUT_FILENO) == 1);
    vmm::MachineConfig config;
    config.mem_size = opt.mem_size;
    config.cmdline = std::move(cmdline).value();
    config.disks = std::move(disks);
    config.timeout_sec = opt.timeout_sec;
    config.console = [&console](std::uint8_t byte) { console.put(byte); };
    config.console_check = [&console] { return console.check(); };
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
        std::fprintf(stderr, "vmm: ROM data area not filled: %s\n",
                     machine.value()->rom_warning().c_str());
    // Disk I/O is allowed only to a machine that has disks.
    const auto calls = opt.disks.empty() ? std::span<const int>{} : vmm::disk_io_calls();
    if (!opt.no_seccomp)
        if (auto sandbox = vmm::install_seccomp_filter(vmm::run_loop_ioctls(), calls,
                                                       vmm::exit_code::kSeccomp);
            !sandbox)
            return fail(sandbox.error());
    auto outcome = machine.value()->run();
    if (!outcome) {
        console.flush(); // the run's own error is the one to report
        return fail(outcome.error());
    }
    const int status = report(outcome.value(), console);
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
    std::fprintf(stderr, "vmm: cannot run %s: %s\n", harness.c_str(), std::strerror(errno));
    return vmm::exit_code::kNoInput;
}

int main(int argc, char** argv) {
    std::vector<std::string_view> args(argv + 1, argv + argc);
    if (args.empty()) {
        std::fputs("vmm: missing command (see vmi --help)\n", stderr);
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
    std::fprintf(stderr, "vmm: unknown command '%.*s' (see vmi --help)\n",
                 static_cast<int>(cmd.size()), cmd.data());
    return vmm::exit_code::kUsage;
}
