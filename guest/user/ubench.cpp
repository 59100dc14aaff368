// User-level benchmarks. exec argument: "NAME:ITERATIONS" (iterations optional). Each reports
// cycles for all iterations through SYS_BENCH_REPORT; the kernel prints the JSON line.
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
