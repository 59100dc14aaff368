// In-guest benchmarks (`run=bench:NAME,...`): one JSON line each on the console.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace kernel {

// One JSON line: {"bench":..., "cycles":..., "iterations":..., "unit":..., "hz":..., "rom":...,
// "env":...}; `cycles` covers all iterations. `fields` are more counts for the same object.
struct BenchField {
    const char* name;
    uint64_t value;
};
void report_benchmark(const char* name, uint64_t cycles, uint64_t iterations, const char* unit,
                      uint64_t monitor_entries, const BenchField* fields = nullptr,
                      unsigned field_count = 0);

// The iterations=N of the command line, or `fallback` without one.
uint64_t iterations_or(uint64_t fallback);

// `run=bench:blk` (bench_blk.cpp).
void bench_blk();

// Runs the kernel-level benchmarks named in the comma-separated list ("all" for every one)
// and writes the user-level ones (run by guest/user/ubench) to user_list. `iterations` of 0
// keeps each benchmark's default. Returns the number of unknown names.
int run_benchmarks(const char* list, const char* rom_name, uint64_t iterations, char* user_list,
                   size_t user_size);

} // namespace kernel
