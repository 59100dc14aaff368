// run=conform (docs/conformance.md): checks every call the bound ROM implements against the
// ABI's contract (docs/spec.md §4-5, §7), calling the ROM's entries directly. Prints one
// PASS:/FAIL:/SKIP: line per call and rule and a final CONFORM: line.
#pragma once

#include <vmirt/runtime.hpp>

namespace kernel {

// Returns the number of failed rules (a ROM that did not bind is one).
int run_conformance(const vmi::Report& report);

} // namespace kernel
