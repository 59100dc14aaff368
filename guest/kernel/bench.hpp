// In-guest benchmarks (`run=bench:NAME,...`): one JSON line each on the console.
#pragma once

namespace kernel {

// Runs the benchmarks named in the comma-separated list ("all" for every one); returns the
// number of unknown names.
int run_benchmarks(const char* list, const char* rom_name);

} // namespace kernel
