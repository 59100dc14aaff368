#include "report.hpp"

#include "guests/bench_guest_abi.hpp"

#include <cmath>
#include <sstream>

namespace bench {

namespace {

std::string fmt(const char* format, double v) {
    char buf[64];
    std::snprintf(buf, sizeof buf, format, v);
    return buf;
}

// Judged on the paired overhead in thread CPU time: its confidence interval says whether this
// run could tell at all (the machine's noise is several percent per rep).
const char* pio_verdict(const Overhead& cpu) {
    if (cpu.paired.median_hi <= kPioTargetOverhead) return "met";
    if (cpu.paired.median_lo > kPioTargetOverhead) return "MISSED";
    return "not resolved (noise: the interval spans the target; add --pio-reps)";
}

std::string fmt_range(const Summary& s) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "[%.1f, %.1f] %%", s.median_lo * 100, s.median_hi * 100);
    return buf;
}

std::string verdict(bool met) {
    return met ? "met" : "MISSED";
}

void print_boot_side(std::FILE* out, const BootSide& side) {
    if (side.wall_ms)
        std::fprintf(out, "  %-26s %12.2f ms %12.2f ms\n", side.name.c_str(), side.wall_ms->median,
                     side.wall_ms->min);
    else
        std::fprintf(out, "  %-26s %15s %15s  (%s: %s)\n", side.name.c_str(), "missing", "missing",
                     side.unavailable ? "unavailable" : "error", side.error.c_str());
}

void print_boot(std::FILE* out, const Report& r) {
    const BootResult& b = *r.boot;
    std::fprintf(out, "\n1. Start-to-exit: launch to process exit, %u launches each\n   guest %s\n",
                 r.options.reps, r.boot_guest.c_str());
    std::fprintf(out, "  %-26s %15s %15s\n", "", "median", "min");
    print_boot_side(out, b.vmi);
    print_boot_side(out, b.qemu);
    if (b.ratio_median)
        std::fprintf(out, "  %-26s %14.1fx %14.1fx  target >= %.0fx: %s\n", "ratio QEMU / vmi",
                     *b.ratio_median, *b.ratio_min, kBootTargetRatio,
                     verdict(*b.ratio_median >= kBootTargetRatio).c_str());
    else
        std::fprintf(out, "  %-26s %15s\n", "ratio QEMU / vmi", "missing");
}

void print_pio_side(std::FILE* out, const char* name, const PioSide& s) {
    std::fprintf(out, "  %-24s %8.0f %8.0f %9.0f %8.0f %9.0f %8.0f %7.2f ms\n", name, s.ns.median,
                 s.ns.min, s.cpu_ns.median, s.cpu_ns.min, s.cycles.median, s.cycles.min,
                 s.fixed_ms.median);
}

void print_pio(std::FILE* out, const Report& r) {
    const PioResult& p = *r.pio;
    std::fprintf(out,
                 "\n2. Port-I/O round trip: guest `out` to port 0x%x, %llu per run, %u run pairs\n"
                 "   guest %s\n",
                 bench_guest::kLoopPort, static_cast<unsigned long long>(r.options.iters),
                 r.options.pio_reps, r.pio_guest.c_str());
    std::fprintf(out, "  %-24s %17s %18s %18s %10s\n", "per round trip", "wall ns", "thread CPU ns",
                 "TSC cycles", "fixed");
    std::fprintf(out, "  %-24s %8s %8s %9s %8s %9s %8s %10s\n", "", "median", "min", "median",
                 "min", "median", "min", "cost");
    if (!p.full || !p.raw || !p.wall || !p.cpu) {
        std::fprintf(out, "  %-24s missing (%s: %s)\n", "(a) Machine::run()",
                     p.unavailable ? "unavailable" : "error", p.error.c_str());
        std::fprintf(out, "  %-24s missing\n", "(b) bare KVM_RUN loop");
        return;
    }
    print_pio_side(out, "(a) Machine::run()", *p.full);
    print_pio_side(out, "(b) bare KVM_RUN loop", *p.raw);
    std::fprintf(out, "  %-24s %6.2f %% %6.2f %% %7.2f %% %6.2f %%\n", "overhead (a-b)/b",
                 p.wall->of_medians * 100, p.wall->of_mins * 100, p.cpu->of_medians * 100,
                 p.cpu->of_mins * 100);
    std::fprintf(out, "  %-24s %6.2f %% %8s %7.2f %%\n", "  paired, median of reps",
                 p.wall->paired.median * 100, "", p.cpu->paired.median * 100);
    std::fprintf(out, "  %-24s %17s %18s\n",
                 p.cpu->paired.samples.size() >= 6 ? "    95 % CI of that" : "    range (< 6 reps)",
                 fmt_range(p.wall->paired).c_str(), fmt_range(p.cpu->paired).c_str());
    std::fprintf(out, "  target: overhead <= %.0f %% (paired, thread CPU time, whole CI): %s\n",
                 kPioTargetOverhead * 100, pio_verdict(*p.cpu));
    std::fprintf(out,
                 "  per trip = (run with %llu writes - run with none) / %llu; fixed cost = wall "
                 "time of the\n  run with none (boot + debug exit).\n",
                 static_cast<unsigned long long>(r.options.iters),
                 static_cast<unsigned long long>(r.options.iters));
}

// --- ROM vs no ROM ------------------------------------------------------------------------

// Bytes per second in binary units, as the workload is sized (64 KiB).
std::string byte_rate(double bytes_per_s) {
    char buf[32];
    if (bytes_per_s >= 1024.0 * 1024)
        std::snprintf(buf, sizeof buf, "%.1f MiB/s", bytes_per_s / (1024.0 * 1024));
    else if (bytes_per_s >= 1024)
        std::snprintf(buf, sizeof buf, "%.1f KiB/s", bytes_per_s / 1024);
    else
        std::snprintf(buf, sizeof buf, "%.0f B/s", bytes_per_s);
    return buf;
}

std::string port_list(const std::vector<PortExits>& ports) {
    std::string list;
    for (const PortExits& p : ports) {
        char buf[48];
        std::snprintf(buf, sizeof buf, "%s0x%03x %s %llu", list.empty() ? "" : ", ", p.port,
                      p.out ? "out" : "in", static_cast<unsigned long long>(p.count));
        list += buf;
    }
    return list.empty() ? "none" : list;
}

void print_rom_details(std::FILE* out, const RomWorkload& w) {
    for (const RomSide* s : {&w.rom, &w.native}) {
        if (s->vmi_line.empty()) continue;
        std::fprintf(out, "    %-9s %s\n", (s->name + ":").c_str(), s->vmi_line.c_str());
        std::fprintf(out, "    %-9s exits by port: %s\n", "", port_list(s->ports).c_str());
    }
}

void print_rom_missing(std::FILE* out, const RomSide& s) {
    std::fprintf(out, "  %-22s missing (error: %s)\n", s.name.c_str(), s.error.c_str());
}

void print_rom(std::FILE* out, const Report& r) {
    const RomResult& m = *r.rom;
    std::fprintf(out,
                 "\n3. What the ROM gains the same kernel: `vmi run` with its vmm.rom vs --no-rom\n"
                 "   kernel %s\n   ROM    %s\n",
                 r.rom_kernel.c_str(), r.rom_image.c_str());
    if (!m.error.empty()) {
        std::fprintf(out, "  missing (%s: %s)\n", m.unavailable ? "unavailable" : "error",
                     m.error.c_str());
        return;
    }

    const RomWorkload& c = m.console;
    std::fprintf(out,
                 "  Console: %llu bytes through vmi::console_write (run=bench:console), "
                 "%u run pairs\n  guest TSC cycles, ",
                 static_cast<unsigned long long>(m.console_bytes), r.options.console_reps);
    if (m.tsc_hz > 0)
        std::fprintf(out, "%.3f MHz (%s)\n", m.tsc_hz / 1e6, m.tsc_source.c_str());
    else
        std::fprintf(out, "rate unknown: no bytes/s\n");
    std::fprintf(out, "  %-22s %19s %12s %12s\n", "", "cycles/byte", "bytes/s", "exits/run");
    std::fprintf(out, "  %-22s %9s %9s %12s %12s\n", "", "median", "min", "median", "median");
    const double bytes = static_cast<double>(m.console_bytes);
    for (const RomSide* s : {&c.rom, &c.native}) {
        if (!s->cycles || !s->exits) {
            print_rom_missing(out, *s);
            continue;
        }
        const std::string rate =
            m.tsc_hz > 0 ? byte_rate(bytes / (s->cycles->median / m.tsc_hz)) : "-";
        std::fprintf(out, "  %-22s %9.1f %9.1f %12s %12.0f\n", s->name.c_str(),
                     s->cycles->median / bytes, s->cycles->min / bytes, rate.c_str(),
                     s->exits->median);
    }
    if (c.ratio_median)
        std::fprintf(out, "  %-22s %8.0fx %8.0fx  target >= %.0fx: %s\n", "throughput ROM/no ROM",
                     *c.ratio_median, *c.ratio_min, kRomConsoleTargetRatio,
                     verdict(*c.ratio_median >= kRomConsoleTargetRatio).c_str());
    else
        std::fprintf(out, "  %-22s %9s\n", "throughput ROM/no ROM", "missing");
    print_rom_details(out, c);

    const RomWorkload& b = m.boot;
    std::fprintf(out,
                 "  Boot: launch of `vmi run kernel.elf` (no run=) to exit, %u launches each\n",
                 r.options.reps);
    std::fprintf(out, "  %-22s %12s %12s %12s\n", "", "median", "min", "exits/boot");
    for (const RomSide* s : {&b.rom, &b.native}) {
        if (!s->wall_ms || !s->exits) {
            print_rom_missing(out, *s);
            continue;
        }
        std::fprintf(out, "  %-22s %9.2f ms %9.2f ms %12.0f\n", s->name.c_str(), s->wall_ms->median,
                     s->wall_ms->min, s->exits->median);
    }
    if (b.ratio_median)
        std::fprintf(out, "  %-22s %11.2fx %11.2fx%s\n", "time no ROM/ROM", *b.ratio_median,
                     *b.ratio_min, *b.ratio_median < 1 ? "  (< 1: the ROM boot is slower)" : "");
    else
        std::fprintf(out, "  %-22s %12s\n", "time no ROM/ROM", "missing");
    print_rom_details(out, b);
}

// --- JSON -------------------------------------------------------------------------------

std::string quote(const std::string& s) {
    std::string out = "\"";
    for (const char c : s) {
        switch (c) {
        case '"':
            out += "\\\"";
            break;
        case '\\':
            out += "\\\\";
            break;
        case '\n':
            out += "\\n";
            break;
        case '\t':
            out += "\\t";
            break;
        default:
            if (static_cast<unsigned char>(c) < 0x20)
                out += fmt("\\u%04x", static_cast<unsigned char>(c));
            else
                out += c;
        }
    }
    return out + "\"";
}

std::string num(double v) {
    return std::isfinite(v) ? fmt("%.6g", v) : "null";
}
std::string num(std::optional<double> v) {
    return v ? num(*v) : "null";
}

std::string summary_json(const Summary& s) {
    std::string samples;
    for (const double v : s.samples)
        samples += (samples.empty() ? "" : ", ") + num(v);
    return "{\"median\": " + num(s.median) + ", \"min\": " + num(s.min) + ", \"median_ci95\": [" +
           num(s.median_lo) + ", " + num(s.median_hi) + "], \"samples\": [" + samples + "]}";
}

std::string boot_side_json(const BootSide& side) {
    std::string argv;
    for (const auto& a : side.argv)
        argv += (argv.empty() ? "" : ", ") + quote(a);
    std::string j = "{\"command\": [" + argv +
                    "], \"expected_exit_status\": " + std::to_string(side.expected_status) + ", ";
    if (side.wall_ms) return j + "\"wall_ms\": " + summary_json(*side.wall_ms) + "}";
    return j +
           "\"wall_ms\": null, \"missing\": " + quote(side.unavailable ? "unavailable" : "error") +
           ", \"error\": " + quote(side.error) + "}";
}

std::string overhead_json(const std::optional<Overhead>& o) {
    if (!o) return "null";
    return "{\"of_medians\": " + num(o->of_medians) + ", \"of_mins\": " + num(o->of_mins) +
           ", \"paired\": " + summary_json(o->paired) + "}";
}

std::string pio_side_json(const std::optional<PioSide>& s) {
    if (!s) return "null";
    return "{\"ns_per_trip\": " + summary_json(s->ns) +
           ", \"thread_cpu_ns_per_trip\": " + summary_json(s->cpu_ns) +
           ", \"cycles_per_trip\": " + summary_json(s->cycles) +
           ", \"fixed_ms\": " + summary_json(s->fixed_ms) + "}";
}

std::string ports_json(const std::vector<PortExits>& ports) {
    std::string j;
    for (const PortExits& p : ports)
        j += (j.empty() ? "" : ", ") + std::string("{\"port\": ") + std::to_string(p.port) +
             ", \"dir\": " + quote(p.out ? "out" : "in") +
             ", \"count\": " + std::to_string(p.count) + "}";
    return "[" + j + "]";
}

std::string opt_summary_json(const std::optional<Summary>& s) {
    return s ? summary_json(*s) : "null";
}

std::string rom_side_json(const RomSide& s, const RomResult& m, bool console) {
    std::string argv;
    for (const auto& a : s.argv)
        argv += (argv.empty() ? "" : ", ") + quote(a);
    std::string j = "{\"command\": [" + argv + "], \"vmi_line\": " + quote(s.vmi_line) +
                    ", \"exits\": " + opt_summary_json(s.exits) +
                    ", \"exits_by_port\": " + ports_json(s.ports) +
                    ", \"wall_ms\": " + opt_summary_json(s.wall_ms);
    if (console) {
        j += ", \"cycles\": " + opt_summary_json(s.cycles) +
             ", \"guest_hz\": " + std::to_string(s.guest_hz);
        const double bytes = static_cast<double>(m.console_bytes);
        if (s.cycles && bytes > 0) {
            j += ", \"cycles_per_byte\": {\"median\": " + num(s.cycles->median / bytes) +
                 ", \"min\": " + num(s.cycles->min / bytes) + "}";
            if (m.tsc_hz > 0)
                j += ", \"bytes_per_s\": {\"median\": " + num(bytes * m.tsc_hz / s.cycles->median) +
                     ", \"max\": " + num(bytes * m.tsc_hz / s.cycles->min) + "}";
        }
    }
    if (!s.error.empty()) j += ", \"missing\": \"error\", \"error\": " + quote(s.error);
    return j + "}";
}

std::string rom_json(const Report& r) {
    const RomResult& m = *r.rom;
    const RomWorkload& c = m.console;
    const RomWorkload& b = m.boot;
    std::string j = "{\n    \"kernel\": " + quote(r.rom_kernel) +
                    ",\n    \"rom_image\": " + quote(r.rom_image) +
                    ",\n    \"tsc_hz\": " + num(m.tsc_hz) +
                    ",\n    \"tsc_source\": " + quote(m.tsc_source);
    if (!m.error.empty())
        j += ",\n    \"missing\": " + quote(m.unavailable ? "unavailable" : "error") +
             ",\n    \"error\": " + quote(m.error);
    j +=
        ",\n    \"console\": {\n      \"bytes\": " + std::to_string(m.console_bytes) +
        ",\n      \"with_rom\": " + rom_side_json(c.rom, m, true) +
        ",\n      \"no_rom\": " + rom_side_json(c.native, m, true) +
        ",\n      \"throughput_ratio_rom_over_no_rom\": {\"median\": " + num(c.ratio_median) +
        ", \"min\": " + num(c.ratio_min) +
        "},\n      \"target_ratio\": " + num(kRomConsoleTargetRatio) + ",\n      \"target_met\": " +
        (c.ratio_median ? (*c.ratio_median >= kRomConsoleTargetRatio ? "true" : "false") : "null") +
        "\n    },\n    \"boot\": {\n      \"with_rom\": " + rom_side_json(b.rom, m, false) +
        ",\n      \"no_rom\": " + rom_side_json(b.native, m, false) +
        ",\n      \"wall_ratio_no_rom_over_rom\": {\"median\": " + num(b.ratio_median) +
        ", \"min\": " + num(b.ratio_min) + "}\n    }\n  }";
    return j;
}

} // namespace

void print_table(std::FILE* out, const Report& r) {
    const Environment& e = r.env;
    std::fprintf(out, "vmm-bench: VMI-64 hypervisor core, side by side, interleaved, medians%s\n",
                 r.options.quick ? " (--quick: smoke figures only)" : "");
    std::string modules;
    for (const auto& m : e.kvm_modules)
        modules += (modules.empty() ? "" : ",") + m;
    std::fprintf(out, "  host: %s, %u CPUs, VT-x/SVM flags: %s, TSC %.3f MHz (%s)\n",
                 e.cpu_model.c_str(), e.cpus, e.virt_extensions.c_str(), e.tsc_khz / 1000.0,
                 e.tsc_source.c_str());
    std::fprintf(out, "  kernel: %s\n", e.kernel.c_str());
    std::fprintf(out, "  KVM API: %s%s, modules: %s\n", e.kvm_api.c_str(),
                 e.kvm_error.empty() ? "" : (" (" + e.kvm_error + ")").c_str(),
                 modules.empty() ? "none" : modules.c_str());
    std::fprintf(out, "  QEMU: %s%s\n", e.qemu_version.c_str(),
                 e.qemu_error.empty() ? "" : (" (" + e.qemu_error + ")").c_str());
    if (r.boot) print_boot(out, r);
    if (r.pio) print_pio(out, r);
    if (r.rom) print_rom(out, r);
}

std::string to_json(const Report& r) {
    const Environment& e = r.env;
    std::ostringstream j;
    std::string modules;
    for (const auto& m : e.kvm_modules)
        modules += (modules.empty() ? "" : ", ") + quote(m);
    j << "{\n  \"environment\": {\n"
      << "    \"timestamp_utc\": " << quote(e.timestamp_utc) << ",\n"
      << "    \"cpu_model\": " << quote(e.cpu_model) << ",\n"
      << "    \"cpus\": " << e.cpus << ",\n"
      << "    \"kernel\": " << quote(e.kernel) << ",\n"
      << "    \"virt_extensions\": " << quote(e.virt_extensions) << ",\n"
      << "    \"kvm_api_version\": " << quote(e.kvm_api) << ",\n"
      << "    \"kvm_error\": " << quote(e.kvm_error) << ",\n"
      << "    \"kvm_modules\": [" << modules << "],\n"
      << "    \"qemu_version\": " << quote(e.qemu_version) << ",\n"
      << "    \"qemu_error\": " << quote(e.qemu_error) << ",\n"
      << "    \"tsc_khz\": " << e.tsc_khz << ",\n"
      << "    \"tsc_source\": " << quote(e.tsc_source) << ",\n"
      << "    \"compiler\": " << quote(e.compiler) << "\n  },\n"
      << "  \"config\": {\"reps\": " << r.options.reps << ", \"pio_reps\": " << r.options.pio_reps
      << ", \"iters\": " << r.options.iters << ", \"console_reps\": " << r.options.console_reps
      << ", \"quick\": " << (r.options.quick ? "true" : "false") << "},\n";
    j << "  \"start_to_exit\": ";
    if (r.boot) {
        const BootResult& b = *r.boot;
        j << "{\n    \"guest\": " << quote(r.boot_guest) << ",\n"
          << "    \"vmi\": " << boot_side_json(b.vmi) << ",\n"
          << "    \"qemu\": " << boot_side_json(b.qemu) << ",\n"
          << "    \"ratio_qemu_over_vmi\": {\"median\": " << num(b.ratio_median)
          << ", \"min\": " << num(b.ratio_min) << "},\n"
          << "    \"target_ratio\": " << num(kBootTargetRatio) << ",\n    \"target_met\": "
          << (b.ratio_median ? (*b.ratio_median >= kBootTargetRatio ? "true" : "false") : "null")
          << "\n  }";
    } else {
        j << "null";
    }
    j << ",\n  \"port_io\": ";
    if (r.pio) {
        const PioResult& p = *r.pio;
        j << "{\n    \"guest\": " << quote(r.pio_guest) << ",\n"
          << "    \"port\": " << bench_guest::kLoopPort << ",\n"
          << "    \"iters\": " << r.options.iters << ",\n"
          << "    \"full_machine_run\": " << pio_side_json(p.full) << ",\n"
          << "    \"raw_kvm_run\": " << pio_side_json(p.raw) << ",\n"
          << "    \"overhead_wall\": " << overhead_json(p.wall) << ",\n"
          << "    \"overhead_thread_cpu\": " << overhead_json(p.cpu) << ",\n"
          << "    \"target_overhead\": " << num(kPioTargetOverhead) << ",\n"
          << "    \"target_basis\": \"overhead_thread_cpu.paired median CI\",\n"
          << "    \"target_verdict\": " << (p.cpu ? quote(pio_verdict(*p.cpu)) : "null");
        if (!p.full || !p.raw)
            j << ",\n    \"missing\": " << quote(p.unavailable ? "unavailable" : "error")
              << ",\n    \"error\": " << quote(p.error);
        j << "\n  }";
    } else {
        j << "null";
    }
    j << ",\n  \"rom\": " << (r.rom ? rom_json(r) : "null");
    j << "\n}\n";
    return j.str();
}

} // namespace bench
