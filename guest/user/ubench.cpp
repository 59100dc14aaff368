// User-level benchmarks. exec argument: "NAME:ITERATIONS" (iterations optional). Each reports
// cycles for all iterations through SYS_BENCH_REPORT; the kernel prints the JSON line.
//
// The crossover: "crossover:CALLS,work=STEPS", or "syscall:CALLS,work=STEPS" (the kernel's
// run=bench: names only its own benchmarks, so `run=bench:syscall iterations=CALLS,work=STEPS`
// reaches it): CALLS system calls with STEPS hash steps of user-mode work before each,
// reported as "crossover_STEPS". Plain "syscall:N" is the syscall benchmark as before.
#include "lib/user.hpp"

using namespace user;

namespace {

constexpr uint64_t kPage = 4096;
volatile uint64_t g_faults;
uint64_t g_resume;

[[gnu::noinline]] void empty_call() {
    asm volatile("");
}

void on_fault(uint64_t, uint64_t) {
    g_faults = g_faults + 1;
    syscall(SYS_FAULT_RETURN, static_cast<long>(g_resume));
}

uint64_t bench_syscall(uint64_t n) {
    const uint64_t t = rdtsc();
    for (uint64_t i = 0; i < n; ++i)
        getpid();
    return rdtsc() - t;
}

uint64_t bench_callret(uint64_t n) {
    const uint64_t t = rdtsc();
    for (uint64_t i = 0; i < n; ++i)
        empty_call();
    return rdtsc() - t;
}

// One demand-zero fault per page of a fresh mapping.
uint64_t bench_pagefault(uint64_t n) {
    auto* p = static_cast<volatile uint8_t*>(mmap(n * kPage));
    if (!p) return 0;
    const uint64_t t = rdtsc();
    for (uint64_t i = 0; i < n; ++i)
        p[i * kPage] = 1;
    const uint64_t c = rdtsc() - t;
    munmap(const_cast<uint8_t*>(p), n * kPage);
    return c;
}

uint64_t bench_mmap(uint64_t n) {
    const uint64_t t = rdtsc();
    for (uint64_t i = 0; i < n; ++i) {
        auto* p = static_cast<volatile uint8_t*>(mmap(kPage));
        if (!p) return 0;
        p[0] = 1;
        munmap(const_cast<uint8_t*>(p), kPage);
    }
    return rdtsc() - t;
}

// Divide error -> kernel -> user handler -> SYS_FAULT_RETURN to the next iteration. In
// assembly so that the resume point and the loop counter (r12) are exact.
uint64_t bench_div0(uint64_t n) {
    set_fault_handler(on_fault);
    register uint64_t count asm("r12") = n;
    const uint64_t t = rdtsc();
    asm volatile("lea 2f(%%rip), %%rax\n\t"
                 "mov %%rax, %[resume]\n\t"
                 "1: xor %%ecx, %%ecx\n\t"
                 "mov $1, %%eax\n\t"
                 "cltd\n\t"
                 "idiv %%ecx\n\t"
                 "2: dec %%r12\n\t"
                 "jnz 1b"
                 : [resume] "=m"(g_resume), "+r"(count)
                 :
                 : "rax", "rcx", "rdx", "memory");
    const uint64_t c = rdtsc() - t;
    set_fault_handler(nullptr);
    return c;
}

uint64_t bench_forkwait(uint64_t n) {
    const uint64_t t = rdtsc();
    for (uint64_t i = 0; i < n; ++i) {
        const long pid = fork();
        if (pid == 0) exit(0);
        int status;
        if (pid < 0 || wait(&status) != pid) return 0;
    }
    return rdtsc() - t;
}

// Two processes yielding to each other: cycles per switch (2n switches).
uint64_t bench_ctxsw(uint64_t n) {
    const long pid = fork();
    if (pid == 0) {
        for (uint64_t i = 0; i < n; ++i)
            yield();
        exit(0);
    }
    const uint64_t t = rdtsc();
    for (uint64_t i = 0; i < n; ++i)
        yield();
    const uint64_t c = rdtsc() - t;
    int status;
    wait(&status);
    return c / 2;
}

// One FNV-1a step per byte of a 4 KiB buffer, round and round: a serial chain of a load, an
// xor and a multiply, the same instructions in every environment.
uint8_t g_buffer[4096];
volatile uint64_t g_hash;

uint64_t bench_crossover(uint64_t n, uint64_t work) {
    for (uint64_t i = 0; i < sizeof g_buffer; ++i)
        g_buffer[i] = static_cast<uint8_t>(i * 31 + 7);
    uint64_t h = 0xcbf29ce484222325;
    const uint64_t t = rdtsc();
    for (uint64_t i = 0; i < n; ++i) {
        for (uint64_t k = 0; k < work; ++k)
            h = (h ^ g_buffer[k % sizeof g_buffer]) * 0x100000001b3;
        asm volatile("" : "+r"(h)); // the work stays before its call
        getpid();
    }
    const uint64_t c = rdtsc() - t;
    g_hash = h;
    return c;
}

// "crossover_" and the decimal work per call.
void crossover_name(char out[32], uint64_t work) {
    const char prefix[] = "crossover_";
    size_t n = 0;
    for (; prefix[n]; ++n)
        out[n] = prefix[n];
    char digits[21];
    size_t d = 0;
    do {
        digits[d++] = static_cast<char>('0' + work % 10);
        work /= 10;
    } while (work);
    while (d)
        out[n++] = digits[--d];
    out[n] = 0;
}

// "CALLS,work=STEPS" (or "CALLS"): true with both numbers when the text is well formed.
bool parse_crossover(const char* s, uint64_t& calls, uint64_t& work) {
    char head[24];
    size_t n = 0;
    while (s[n] && s[n] != ',' && n < sizeof head - 1) {
        head[n] = s[n];
        ++n;
    }
    head[n] = 0;
    calls = parse_u64(head, 0);
    if (!calls) return false;
    if (!s[n]) {
        work = 0;
        return true;
    }
    const char key[] = ",work=";
    for (size_t i = 0; key[i]; ++i)
        if (s[n + i] != key[i]) return false;
    const char* value = s + n + sizeof key - 1;
    work = parse_u64(value, ~uint64_t{0});
    return *value && work != ~uint64_t{0};
}

int run_crossover(const char* arg) {
    uint64_t calls, work;
    if (!parse_crossover(arg, calls, work)) {
        print("ubench: crossover: expected CALLS,work=STEPS\n");
        return 2;
    }
    char name[32];
    crossover_name(name, work);
    const uint64_t entries = monitor_entries();
    const uint64_t cycles = bench_crossover(calls, work);
    bench_report(name, cycles, calls, monitor_entries() - entries);
    return 0;
}

bool has_work(const char* s) {
    for (; *s; ++s)
        if (*s == ',') return true;
    return false;
}

struct Bench {
    const char* name;
    uint64_t (*run)(uint64_t);
    uint64_t default_iterations;
};

constexpr Bench kBenches[] = {
    {"syscall", bench_syscall, 2000},    {"callret", bench_callret, 10000000},
    {"pagefault", bench_pagefault, 500}, {"mmap", bench_mmap, 300},
    {"div0", bench_div0, 500},           {"forkwait", bench_forkwait, 40000},
    {"ctxsw", bench_ctxsw, 500},
};

} // namespace

int main(const char* arg) {
    char name[32];
    size_t n = 0;
    while (arg[n] && arg[n] != ':' && n < sizeof name - 1) {
        name[n] = arg[n];
        ++n;
    }
    name[n] = 0;
    const char* rest = arg[n] == ':' ? arg + n + 1 : "";
    if (streq(name, "crossover") || (streq(name, "syscall") && has_work(rest)))
        return run_crossover(rest);
    for (const Bench& b : kBenches) {
        if (!streq(b.name, name)) continue;
        const uint64_t iterations =
            arg[n] == ':' ? parse_u64(arg + n + 1, b.default_iterations) : b.default_iterations;
        // Entries include the benchmark's setup and this call, amortized over the iterations.
        const uint64_t entries = monitor_entries();
        const uint64_t cycles = b.run(iterations);
        if (cycles == 0) return 1;
        bench_report(b.name, cycles, iterations, monitor_entries() - entries);
        return 0;
    }
    print("ubench: unknown benchmark\n");
    return 2;
}
