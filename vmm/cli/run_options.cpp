#include "cli/run_options.hpp"

#include "cli/exit_codes.hpp"

#include <charconv>

namespace vmm {

const char* const kRunUsage =
    R"(usage: vmi run [KERNEL] [options]

Boot a PVH ELF kernel on KVM. Without KERNEL, boots the bundled kernel.elf next to vmi.
The VMI ROM is mapped read-only at 0xC0000. By default vmi offers one of the two bundled next
to it: vmm-deprivileged.rom, which runs the kernel at CPL3 under a small monitor, on hosts
without VT-x/SVM (where KVM emulates guest kernel mode), else vmm.rom, which binds directly.

options:
  --rom FILE        offer this VMI ROM image instead of the bundled one
  --no-rom          offer no ROM: a VMI kernel runs its native code paths
  --cpuid-cache M   ROM answers static CPUID leaves without an exit: auto (on hosts with
                    VT-x/SVM or for a ROM that runs the kernel at CPL3, where that is
                    faster), on, off
  --mem SIZE        guest RAM, e.g. 64M, 1G (default 128M; 2M..3G, multiple of 4K,
                    and at least what the kernel image needs)
  --cmdline STR     kernel command line (at most 4095 bytes, with what --disk appends)
  --disk FILE[,ro]  attach FILE (a regular file or block device, a multiple of 512 bytes)
                    as a virtio-blk disk; ",ro" opens it read-only and the guest's writes
                    fail. Repeatable, at most 8 times: disk i is a virtio-mmio device at
                    0xfeb00000 + i * 0x200 with IOAPIC GSI 16 + i, announced by appending
                    "virtio_mmio.device=512@0x...:GSI" to the kernel command line
  --stats           print exits by reason and by I/O port when the guest stops
  --timeout SEC     stop the guest after SEC seconds (default: no limit)
  --console-limit SIZE
                    stop the guest once it has written SIZE bytes of console output,
                    e.g. 100M (default: no limit)
  --no-seccomp      do not confine the VMM to its system-call allow-list (debugging)
  -h, --help        show this help

exit status:
  v        the guest wrote v to the debug-exit port 0xf4 (0..255)
  64       bad command line, or --mem below what the kernel needs
  65       malformed kernel image
  66       file missing, unreadable or not regular (a disk may also be a block device,
           and must be whole 512-byte sectors)
  67       malformed or oversized ROM  69  /dev/kvm or a KVM capability unavailable
  70       system call outside the seccomp allow-list
  71       KVM or OS call failed       74  console output could not be written
  80       guest crashed (triple fault)
  81       guest halted with nothing left to wake it
  82       --timeout elapsed           83  unhandled or refused vCPU exit
  84       guest asked for a reboot    85  --console-limit reached
  130, 143 stopped by SIGINT, SIGTERM (guest output so far is written out)
  255      debug-exit value above 255
Guests that keep their status below 64 are never confused with VMM errors.
The VMM's own messages go to stderr and start with "vmm:"; stdout is the guest's console.
)";

Result<std::uint64_t> parse_size(std::string_view text) {
    std::uint64_t value = 0;
    const char* begin = text.data();
    const char* end = text.data() + text.size();
    auto [ptr, ec] = std::from_chars(begin, end, value);
    if (ec != std::errc() || ptr == begin)
        return make_error(ErrorKind::Usage, "invalid size '" + std::string(text) + "'");
    std::string_view suffix(ptr, static_cast<std::size_t>(end - ptr));
    unsigned shift = 0;
    if (!suffix.empty()) {
        switch (suffix[0]) {
        case 'K':
        case 'k':
            shift = 10;
            break;
        case 'M':
        case 'm':
            shift = 20;
            break;
        case 'G':
        case 'g':
            shift = 30;
            break;
        default:
            return make_error(ErrorKind::Usage,
                              "invalid size suffix in '" + std::string(text) + "'");
        }
        suffix.remove_prefix(1);
        if (!(suffix.empty() || suffix == "B" || suffix == "iB"))
            return make_error(ErrorKind::Usage,
                              "invalid size suffix in '" + std::string(text) + "'");
    }
    if (shift && value > (~std::uint64_t{0} >> shift))
        return make_error(ErrorKind::Usage, "size '" + std::string(text) + "' is too large");
    return value << shift;
}

namespace {

// FILE may not contain a comma: what follows one is an option.
Result<DiskOption> parse_disk(std::string_view text) {
    DiskOption disk;
    const std::size_t comma = text.find(',');
    disk.path = std::string(text.substr(0, comma));
    if (disk.path.empty())
        return make_error(ErrorKind::Usage,
                          "invalid --disk '" + std::string(text) + "' (FILE or FILE,ro)");
    if (comma != std::string_view::npos) {
        const std::string_view option = text.substr(comma + 1);
        if (option != "ro")
            return make_error(ErrorKind::Usage, "invalid --disk option '" + std::string(option) +
                                                    "' in '" + std::string(text) +
                                                    "' (FILE or FILE,ro)");
        disk.readonly = true;
    }
    return disk;
}

Result<unsigned> parse_seconds(std::string_view text) {
    unsigned value = 0;
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || ptr != text.data() + text.size() || value == 0 || value > 86400)
        return make_error(ErrorKind::Usage,
                          "invalid --timeout '" + std::string(text) + "' (1..86400 seconds)");
    return value;
}

} // namespace

Result<RunOptions> parse_run_options(const std::vector<std::string_view>& args) {
    RunOptions opt;
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string_view a = args[i];
        auto value = [&]() -> Result<std::string_view> {
            if (i + 1 >= args.size())
                return make_error(ErrorKind::Usage, "option " + std::string(a) + " needs a value");
            return args[++i];
        };
        if (a == "-h" || a == "--help") {
            opt.help = true;
        } else if (a == "--mem") {
            opt.mem_size = TRY(parse_size(TRY(value())));
        } else if (a == "--cmdline") {
            opt.cmdline = std::string(TRY(value()));
        } else if (a == "--rom") {
            opt.rom = std::string(TRY(value()));
        } else if (a == "--no-rom") {
            opt.no_rom = true;
        } else if (a == "--cpuid-cache") {
            opt.cpuid_cache = std::string(TRY(value()));
            if (opt.cpuid_cache != "auto" && opt.cpuid_cache != "on" && opt.cpuid_cache != "off")
                return make_error(ErrorKind::Usage, "invalid --cpuid-cache '" + opt.cpuid_cache +
                                                        "' (auto, on or off)");
        } else if (a == "--stats") {
            opt.stats = true;
        } else if (a == "--timeout") {
            opt.timeout_sec = TRY(parse_seconds(TRY(value())));
        } else if (a == "--console-limit") {
            opt.console_limit = TRY(parse_size(TRY(value())));
            if (opt.console_limit == 0)
                return make_error(ErrorKind::Usage, "invalid --console-limit 0 (at least 1 byte)");
        } else if (a == "--no-seccomp") {
            opt.no_seccomp = true;
        } else if (a == "--disk") {
            if (opt.disks.size() == kMaxDisks)
                return make_error(ErrorKind::Usage,
                                  "more than " + std::to_string(kMaxDisks) + " --disk options");
            opt.disks.push_back(TRY(parse_disk(TRY(value()))));
        } else if (a.starts_with("-")) {
            return make_error(ErrorKind::Usage, "unknown option '" + std::string(a) + "'");
        } else if (opt.kernel) {
            return make_error(ErrorKind::Usage, "more than one kernel given ('" + *opt.kernel +
                                                    "' and '" + std::string(a) + "')");
        } else {
            opt.kernel = std::string(a);
        }
    }
    if (opt.rom && opt.no_rom)
        return make_error(ErrorKind::Usage, "--rom and --no-rom exclude each other");
    return opt;
}

} // namespace vmm
