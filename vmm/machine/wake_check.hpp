// Whether anything can still wake a halted vCPU, judged from its in-kernel local APIC. No device
// raises interrupts yet, so only the local APIC can: a pending request the task priority lets
// through, or a timer that will still fire (SDM vol. 3A, "APIC Timer", "TSC-Deadline Mode",
// "Task and Processor Priorities"). A device that raises interrupts must be added here.
#pragma once

#include <cstdint>
#include <linux/kvm.h>

namespace vmm {

// `tsc_deadline` is IA32_TSC_DEADLINE, read only when the timer is in TSC-deadline mode.
bool lapic_can_wake(const kvm_lapic_state& lapic, std::uint64_t tsc_deadline);
// True if the LVT timer is unmasked and in TSC-deadline mode.
bool lapic_timer_uses_deadline(const kvm_lapic_state& lapic);

} // namespace vmm
