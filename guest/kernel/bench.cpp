#include "bench.hpp"

#include "cmdline.hpp"
#include "console.hpp"
#include "events.hpp"
#include "mm/mm.hpp"

#include <vmirt/cpu.hpp>
#include <vmirt/ops.hpp>

namespace kernel {

namespace {

// Hypervisor signature from CPUID 0x40000000, or "none" without the hypervisor bit.
void hypervisor_name(char out[13]) {
    const auto l1 = vmi::cpuid(1);
    if (!(l1.ecx & (1u << 31))) {
        const char none[] = "none";
        for (unsigned i = 0; i < sizeof none; ++i)
            out[i] = none[i];
        return;
    }
    const auto h = vmi::cpuid(0x40000000);
    const uint32_t words[3] = {h.ebx, h.ecx, h.edx};
    for (int i = 0; i < 12; ++i) {
        const char c = static_cast<char>(words[i / 4] >> (8 * (i % 4)));
        out[i] = (c >= 0x20 && c < 0x7f) ? c : '.';
    }
    out[12] = 0;
}

const char* g_rom_name = "none";
// Console throughput: 64 KiB through vmi::console_write in 4 KiB writes, as a console driver
// flushing a page-sized buffer would issue them (64-byte lines of text).
char g_console_page[4096];

void bench_console() {
    constexpr uint64_t kBytes = 64 * 1024;
    constexpr uint64_t kLine = 64;
    for (uint64_t i = 0; i < sizeof g_console_page; ++i)
        g_console_page[i] = i % kLine == kLine - 1 ? '\n' : static_cast<char>('a' + i % 26);
    const uint64_t entries = vmi::get_monitor_entries();
    const uint64_t start = vmi::get_cycle_counter(VMI_CYCLES_REAL);
    for (uint64_t done = 0; done < kBytes; done += sizeof g_console_page)
        write(g_console_page, sizeof g_console_page);
    const uint64_t cycles = vmi::get_cycle_counter(VMI_CYCLES_REAL) - start;
    report_benchmark("console", cycles, kBytes, "byte", vmi::get_monitor_entries() - entries);
}

// Cycles per call of a cheap operation, measured over `n` calls after one warm-up call.
template <typename Op> void bench_op(const char* name, uint64_t n, Op op) {
    n = iterations_or(n);
    op();
    const uint64_t entries = vmi::get_monitor_entries();
    const uint64_t start = vmi::get_cycle_counter(VMI_CYCLES_REAL);
    for (uint64_t i = 0; i < n; ++i)
        op();
    const uint64_t cycles = vmi::get_cycle_counter(VMI_CYCLES_REAL) - start;
    report_benchmark(name, cycles, n, "call", vmi::get_monitor_entries() - entries);
}

// Keeps results alive so the calls are not optimised away.
volatile uint64_t g_sink;

void bench_cpuid() {
    bench_op("cpuid_static", 2000, [] { g_sink = vmi::cpuid(0).ebx; });
    bench_op("cpuid_dynamic", 2000, [] { g_sink = vmi::cpuid(1).ebx; });
}
void bench_time() {
    bench_op("cycle_frequency", 2000, [] { g_sink = vmi::get_cycle_frequency(); });
    bench_op("wallclock", 200, [] { g_sink = vmi::get_wallclock_time(); });
    bench_op("available_cycles", 2000,
             [] { g_sink = vmi::get_cycle_counter(VMI_CYCLES_AVAILABLE); });
}

// Reading a register of an emulated device: the UART's line status.
void bench_portread() {
    bench_op("portread", 1000, [] { g_sink = vmi::inb(0x3fd); });
}

// PTE modification (Adams & Agesen's ptemod): rewrite a live kernel PTE and invalidate it.
void bench_ptemod() {
    constexpr uint64_t kScratch = 0x10000000; // user half of the kernel's own space: unused
    auto frame = mm::frames().alloc(mm::Fill::Any);
    mm::AddressSpace& space = mm::kernel_space();
    if (!frame.ok() || !space.map(kScratch, frame.value(), mm::kWritable).ok()) {
        print("FAIL: ptemod: no scratch page\n");
        return;
    }
    uint64_t flip = 0;
    bench_op("ptemod", 1000, [&] {
        flip ^= mm::kWritable;
        (void)space.remap(kScratch, frame.value(), flip);
    });
    space.unmap(kScratch);
    mm::frames().free(frame.value());
}

// A kernel-mode exception round trip through the event path (docs/kernel.md, "Events"): ud2,
// the runtime's stub, the kernel's dispatch and a handler that skips the instruction, resume.
vmi_trap_frame* skip_invalid_opcode(vmi_trap_frame* frame) {
    frame->rip += vmi::kInvalidOpcodeBytes;
    return frame;
}

void bench_trap() {
    constexpr unsigned kInvalidOpcode = 6;
    set_exception_handler(kInvalidOpcode, skip_invalid_opcode);
    bench_op("trap", 1000, [] { g_sink = vmi::invalid_opcode(0); });
    set_exception_handler(kInvalidOpcode, nullptr);
}

struct Benchmark {
    const char* name;
    void (*run)(); // null: a user-level benchmark in guest/user/ubench.cpp
};

constexpr Benchmark kBenchmarks[] = {
    {"console", bench_console},
    {"cpuid", bench_cpuid},
    {"time", bench_time},
    {"trap", bench_trap},
    {"portread", bench_portread},
    {"ptemod", bench_ptemod},
    {"blk", bench_blk},
    {"syscall", nullptr},
    {"callret", nullptr},
    {"pagefault", nullptr},
    {"mmap", nullptr},
    {"div0", nullptr},
    {"forkwait", nullptr},
    {"ctxsw", nullptr},
};

void append(char* out, size_t size, size_t& len, const char* s) {
    while (*s && len + 1 < size)
        out[len++] = *s++;
    out[len] = 0;
}

uint64_t g_iterations; // iterations=N from the command line, 0 for each benchmark's default

} // namespace

uint64_t iterations_or(uint64_t fallback) {
    return g_iterations ? g_iterations : fallback;
}

void report_benchmark(const char* name, uint64_t cycles, uint64_t iterations, const char* unit,
                      uint64_t monitor_entries, const BenchField* fields, unsigned field_count) {
    char env[13];
    hypervisor_name(env);
    print("{\"bench\":\"%s\",\"cycles\":%lu,\"iterations\":%lu,\"unit\":\"%s\",\"hz\":%lu,"
          "\"rom\":\"%s\",\"env\":\"%s\",\"monitor_entries\":%lu",
          name, cycles, iterations, unit, vmi::get_cycle_frequency(), g_rom_name, env,
          monitor_entries);
    for (unsigned i = 0; i < field_count; ++i)
        print(",\"%s\":%lu", fields[i].name, fields[i].value);
    print("}\n");
}

int run_benchmarks(const char* list, const char* rom_name, uint64_t iterations, char* user_list,
                   size_t user_size) {
    g_rom_name = rom_name;
    g_iterations = iterations;
    const bool all = list_contains(list, "all");
    int matched = 0;
    size_t user_len = 0;
    user_list[0] = 0;
    for (const auto& b : kBenchmarks) {
        if (!all && !list_contains(list, b.name)) continue;
        ++matched;
        if (b.run) {
            b.run();
            continue;
        }
        if (user_len) append(user_list, user_size, user_len, ",");
        append(user_list, user_size, user_len, b.name);
    }
    if (!all) {
        int requested = 1;
        for (const char* p = list; *p; ++p)
            requested += *p == ',';
        if (requested != matched) {
            print("FAIL: unknown benchmark in '%s'\n", list);
            return requested - matched;
        }
    }
    return 0;
}

} // namespace kernel
