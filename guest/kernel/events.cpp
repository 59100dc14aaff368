#include "events.hpp"

#include "console.hpp"
#include "mm/device_memory.hpp"

#include <vmirt/native.hpp>
#include <vmirt/ops.hpp>

namespace kernel {

namespace {

constexpr unsigned kExceptions = 32;
constexpr unsigned kVectors = 256;
constexpr unsigned kPageFault = 14;
// The local APIC's spurious vector (natively 0xff): it sets no in-service bit, so no EOI
// (SDM vol. 3A, "Spurious Interrupt").
constexpr unsigned kSpuriousVector = 0xff;
constexpr uint64_t kEnosys = 38;

TrapHandler g_exception[kExceptions];
TrapHandler g_interrupt[kVectors - kExceptions];
TrapHandler g_syscall;
uint32_t g_status = VMI_ERR_INVALID;

// Events from user mode arrive here (natively through TSS.RSP0): one stack serves every
// process because the kernel never blocks inside a handler.
alignas(16) uint8_t g_kernel_stack[16384];

vmi_trap_frame* unexpected_exception(vmi_trap_frame* frame) {
    print("kernel: unexpected exception %lu, error %lx, at rip %lx (cs %lx)\n", frame->vector,
          frame->error_code, frame->rip, frame->cs);
    if (frame->vector == kPageFault) print("kernel: fault address %lx\n", vmi::get_cr2());
    print_frame(frame);
    flush();
    vmi::shutdown(kKernelFaultStatus);
}

vmi_trap_frame* on_exception(vmi_trap_frame* frame) {
    const TrapHandler fn = g_exception[frame->vector % kExceptions];
    return fn ? fn(frame) : unexpected_exception(frame);
}

vmi_trap_frame* on_interrupt(vmi_trap_frame* frame) {
    const unsigned vector = frame->vector % kVectors;
    if (vector >= kExceptions) {
        if (const TrapHandler fn = g_interrupt[vector - kExceptions]) return fn(frame);
    }
    if (vector != kSpuriousVector) vmi::apic_eoi();
    return frame;
}

vmi_trap_frame* on_syscall(vmi_trap_frame* frame) {
    if (g_syscall) return g_syscall(frame);
    frame->rax = -kEnosys;
    return frame;
}

const vmi_callbacks g_callbacks = {on_exception, on_interrupt, on_syscall};

} // namespace

void print_frame(const vmi_trap_frame* f) {
    print("kernel: rax %016lx rbx %016lx rcx %016lx rdx %016lx\n", f->rax, f->rbx, f->rcx, f->rdx);
    print("kernel: rsi %016lx rdi %016lx rbp %016lx rsp %016lx\n", f->rsi, f->rdi, f->rbp, f->rsp);
    print("kernel: r8  %016lx r9  %016lx r10 %016lx r11 %016lx\n", f->r8, f->r9, f->r10, f->r11);
    print("kernel: r12 %016lx r13 %016lx r14 %016lx r15 %016lx\n", f->r12, f->r13, f->r14, f->r15);
    print("kernel: rip %016lx cs %lx rflags %lx ss %lx error %lx\n", f->rip, f->cs, f->rflags,
          f->ss, f->error_code);
}

uint32_t init_events() {
    // The native runtime's xAPIC page where the CPU has no x2APIC.
    vmi::set_device_mapper(mm::map_device);
    vmi::update_kernel_stack(kernel_stack_top());
    g_status = vmi::set_callbacks(&g_callbacks);
    return g_status;
}

uint32_t events_status() {
    return g_status;
}

const vmi_callbacks& registered_callbacks() {
    return g_callbacks;
}

uint64_t kernel_stack_top() {
    return reinterpret_cast<uint64_t>(g_kernel_stack + sizeof g_kernel_stack);
}

void set_exception_handler(unsigned vector, TrapHandler fn) {
    if (vector < kExceptions) g_exception[vector] = fn;
}

void set_interrupt_handler(unsigned vector, TrapHandler fn) {
    if (vector >= kExceptions && vector < kVectors) g_interrupt[vector - kExceptions] = fn;
}

void set_syscall_handler(TrapHandler fn) {
    g_syscall = fn;
}

} // namespace kernel
