// What a conformance suite needs to test a ROM's entries directly (run=conform,
// docs/conformance.md): a harness that calls an entry as a patched site does with every register
// under control, and the native instructions the ROM's answers are compared with. Kernel code
// holds no assembly (tests/privileged), so all of it is here.
#pragma once

#include <stdint.h>
#include <vmi/vmi.h>

namespace vmi::conform {

enum Reg : unsigned { RAX, RBX, RCX, RDX, RSI, RDI, RBP, R8, R9, R10, R11, R12, R13, R14, R15 };
inline constexpr unsigned kGprs = 15;

// Registers into and out of a call (conform.S); rflags and rsp only out.
struct Regs {
    uint64_t gpr[kGprs];
    uint64_t rflags;
    uint64_t rsp;
};

struct [[gnu::packed]] TablePointer {
    uint16_t limit;
    uint64_t base;
};

// Calls `target` with every general register from `in` and rsp = stack_top at the `call`, and
// stores in `out` every register it returned with.
extern "C" void vmi_conform_call(uint64_t target, const Regs* in, Regs* out, void* stack_top);
// Calls `target` (RETURN_TO_INTERRUPTED) with rdi = frame from stack_top; a frame whose rip is
// vmi_conform_resumed stores in `out` what it was resumed with, then returns from this call.
extern "C" void vmi_conform_resume(uint64_t target, const vmi_trap_frame* frame, Regs* out,
                                   void* stack_top);
extern "C" const char vmi_conform_resumed[];

// The instructions themselves, for comparison; only where the kernel may execute them (CPL0,
// except rdtsc and cs).
void native_cpuid(uint32_t leaf, uint32_t subleaf, uint64_t out[4]);
uint64_t native_rdmsr(uint32_t msr);
uint64_t native_read_cr(unsigned cr); // 0, 2, 3 or 4
void native_store_gdtr(TablePointer* p);
void native_store_idtr(TablePointer* p);
uint64_t native_rdtsc();
// The privilege level the kernel runs at (CS's RPL).
unsigned current_cpl();

// Byte loops as single string instructions: kernel mode is emulated on the test bed.
void fill(void* p, uint8_t value, uint64_t n);
// How many bytes from p equal `value` before the first that does not.
uint64_t same_prefix(const void* p, uint8_t value, uint64_t n);
bool same_bytes(const void* a, const void* b, uint64_t n);

} // namespace vmi::conform
