// Memory-manager self-tests for `run=tests` (guest/kernel/selftest.cpp calls them).
#pragma once

namespace kernel::mm {

// Reports each test through `check` (a PASS:/FAIL: line).
void run_selftests(void (*check)(bool ok, const char* name));

} // namespace kernel::mm
