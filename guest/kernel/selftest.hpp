// Kernel self-tests (`run=tests`): PASS:/FAIL: lines identical in every environment.
#pragma once

#include <vmirt/runtime.hpp>

namespace kernel {

// Returns the number of failures.
int run_selftests(const vmi::Report& report);

} // namespace kernel
