// The one `vmi: ` line that states what the VMI runtime did at boot.
#pragma once

#include <vmirt/runtime.hpp>

namespace kernel {

void print_boot_report(const vmi::Report& report);

} // namespace kernel
