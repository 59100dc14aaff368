// The kernel's event entry points (docs/kernel.md, "Events"): one handler registered with VMI
// for each of exceptions, interrupts and system calls, dispatching through small tables that
// the rest of the kernel fills. A handler gets the interrupted context's trap frame and
// returns the frame to resume: the same one, or another context's to switch to it.
#pragma once

#include <stdint.h>
#include <vmi/vmi.h>

namespace kernel {

using TrapHandler = vmi_trap_frame* (*)(vmi_trap_frame* frame);

// Registers the entry points with vmi::set_callbacks and sets the kernel stack for events
// from user mode. Returns the VMI status (VMI_OK).
uint32_t init_events();
// VMI_OK once init_events() succeeded.
uint32_t events_status();
// What init_events() registered: the handlers and the stack for events from user mode
// (run=conform passes them again, so that the kernel keeps working).
const vmi_callbacks& registered_callbacks();
uint64_t kernel_stack_top();

// A null handler restores the default: an unexpected exception prints the vector and rip and
// stops the machine (status 3); an unclaimed interrupt is acknowledged and ignored; a system
// call without a handler returns -ENOSYS.
void set_exception_handler(unsigned vector, TrapHandler fn); // 0-31
void set_interrupt_handler(unsigned vector, TrapHandler fn); // 32-255
void set_syscall_handler(TrapHandler fn);

// The machine's exit status when the kernel itself faults.
inline constexpr uint32_t kKernelFaultStatus = 3;
// Prints a frame's registers, for reports of a kernel fault.
void print_frame(const vmi_trap_frame* frame);

} // namespace kernel
