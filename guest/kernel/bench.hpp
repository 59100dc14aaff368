// In-guest benchmarks (`run=bench:NAME,...`): one JSON line each on the console.
#pragma once

#include <stdint.h>

namespace kernel {

// One JSON line: {"bench":..., "cycles":..., "iterations":..., "unit":..., "hz":..., "rom":...,
// "env":...}; `cycles` covers all iterations.
void report_benchmark(const char* name, uint64_t cycles, uint64_t iterations, const char* unit);

// Runs the benchmarks named in the comma-separated list ("all" for every one); returns the
// number of unknown names.
int run_benchmarks(const char* list, const char* rom_name);

} // namespace kernel
