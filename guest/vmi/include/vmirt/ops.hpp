// The vmi:: operations a kernel uses instead of privileged instructions (docs/design.md
// §2.4). Each is one call site: native code inline, rebound at boot to the ROM (docs/spec.md
// §4-5 give the registers). Calls whose native form is longer than an instruction or two call a
// helper in native.S that keeps the same register contract.
#pragma once

#include <stdint.h>
#include <vmirt/site.hpp>

namespace vmi {

struct CpuidResult {
    uint32_t eax, ebx, ecx, edx;
};

inline CpuidResult cpuid(uint32_t leaf, uint32_t subleaf = 0) {
    CpuidResult r;
    asm volatile(VMI_SITE("cpuid")
                 : "=a"(r.eax), "=b"(r.ebx), "=c"(r.ecx), "=d"(r.edx)
                 : "a"(leaf), "c"(subleaf), VMI_CALL_OPERAND(CPUID));
    return r;
}

inline uint64_t rdmsr(uint32_t msr) {
    uint32_t lo, hi;
    asm volatile(VMI_SITE("rdmsr") : "=a"(lo), "=d"(hi) : "c"(msr), VMI_CALL_OPERAND(RDMSR));
    return (uint64_t{hi} << 32) | lo;
}

inline void wrmsr(uint32_t msr, uint64_t value) {
    asm volatile(VMI_SITE("wrmsr")::"c"(msr), "a"(static_cast<uint32_t>(value)),
                 "d"(static_cast<uint32_t>(value >> 32)), VMI_CALL_OPERAND(WRMSR)
                 : "memory");
}

#define VMI_DEFINE_CR(n, GET, SET)                                                                 \
    inline uint64_t get_cr##n() {                                                                  \
        uint64_t v;                                                                                \
        asm volatile(VMI_SITE("mov %%cr" #n ", %%rax") : "=a"(v) : VMI_CALL_OPERAND(GET));         \
        return v;                                                                                  \
    }                                                                                              \
    inline void set_cr##n(uint64_t v) {                                                            \
        asm volatile(VMI_SITE("mov %%rdi, %%cr" #n)::"D"(v), VMI_CALL_OPERAND(SET) : "memory");    \
    }
VMI_DEFINE_CR(0, GET_CR0, SET_CR0)
VMI_DEFINE_CR(2, GET_CR2, SET_CR2)
VMI_DEFINE_CR(3, GET_CR3, SET_CR3)
VMI_DEFINE_CR(4, GET_CR4, SET_CR4)
#undef VMI_DEFINE_CR

struct [[gnu::packed]] DescriptorPointer {
    uint16_t limit;
    uint64_t base;
};

inline void load_gdt(const DescriptorPointer* p) {
    asm volatile(VMI_SITE("lgdt (%%rdi)")::"D"(p), "m"(*p), VMI_CALL_OPERAND(LOAD_GDT) : "memory");
}
inline void load_idt(const DescriptorPointer* p) {
    asm volatile(VMI_SITE("lidt (%%rdi)")::"D"(p), "m"(*p), VMI_CALL_OPERAND(LOAD_IDT) : "memory");
}
inline void load_tr(uint16_t selector) {
    asm volatile(VMI_SITE("ltr %%di")::"D"(selector), VMI_CALL_OPERAND(LOAD_TR) : "memory");
}
inline void write_gdt_entry(uint64_t* entry, uint64_t value) {
    asm volatile(VMI_SITE("mov %%rsi, (%%rdi)")::"D"(entry), "S"(value),
                 VMI_CALL_OPERAND(WRITE_GDT_ENTRY)
                 : "memory");
}
inline void write_idt_entry(uint64_t* entry, uint64_t low, uint64_t high) {
    asm volatile(VMI_SITE("mov %%rsi, (%%rdi); mov %%rdx, 8(%%rdi)")::"D"(entry), "S"(low),
                 "d"(high), VMI_CALL_OPERAND(WRITE_IDT_ENTRY)
                 : "memory");
}

inline void enable_interrupts() {
    asm volatile(VMI_SITE("sti")::VMI_CALL_OPERAND(ENABLE_INTERRUPTS) : "memory");
}
inline void disable_interrupts() {
    asm volatile(VMI_SITE("cli")::VMI_CALL_OPERAND(DISABLE_INTERRUPTS) : "memory");
}
inline uint64_t get_interrupt_mask() {
    uint64_t flags;
    asm volatile(VMI_SITE("pushfq; pop %%rax")
                 : "=a"(flags)
                 : VMI_CALL_OPERAND(GET_INTERRUPT_MASK));
    return flags;
}
inline void set_interrupt_mask(uint64_t flags) {
    asm volatile(VMI_SITE("push %%rdi; popfq")::"D"(flags), VMI_CALL_OPERAND(SET_INTERRUPT_MASK)
                 : "memory", "cc");
}

// Events (docs/spec.md §4.1). Registers the kernel's handlers: natively the runtime's GDT, TSS,
// IDT and SYSCALL entry (events.cpp, events.S). Returns a VMI_* status.
inline uint32_t set_callbacks(const vmi_callbacks* callbacks) {
    uint32_t status;
    asm volatile(VMI_SITE("call vmi_native_set_callbacks")
                 : "=a"(status)
                 : "D"(callbacks), "m"(*callbacks), VMI_CALL_OPERAND(SET_CALLBACKS)
                 : "memory");
    return status;
}

// Resumes a trap frame, kernel or user mode; natively the stubs' own return path (iretq).
[[noreturn]] inline void return_to_interrupted(const vmi_trap_frame* frame) {
    asm volatile(VMI_SITE("jmp vmi_native_return_to_interrupted")::"D"(frame), "m"(*frame),
                 VMI_CALL_OPERAND(RETURN_TO_INTERRUPTED)
                 : "memory");
    __builtin_unreachable();
}

// Resumes a user-mode frame (cs = VMI_SEL_USER_CODE), e.g. a new process's first entry.
[[noreturn]] inline void return_to_user(const vmi_trap_frame* frame) {
    asm volatile(VMI_SITE("jmp vmi_native_return_to_user")::"D"(frame), "m"(*frame),
                 VMI_CALL_OPERAND(RETURN_TO_USER)
                 : "memory");
    __builtin_unreachable();
}

// The stack on which events from user mode arrive (16-byte aligned top); natively TSS.RSP0,
// which the SYSCALL entry uses too.
inline void update_kernel_stack(uint64_t top) {
    asm volatile(VMI_SITE("mov %%rdi, vmi_native_tss+4(%%rip)")::"D"(top),
                 VMI_CALL_OPERAND(UPDATE_KERNEL_STACK)
                 : "memory");
}

inline void halt() {
    asm volatile(VMI_SITE("hlt")::VMI_CALL_OPERAND(HALT) : "memory");
}

[[noreturn]] inline void reboot() {
    asm volatile(VMI_SITE("call vmi_native_reboot")::VMI_CALL_OPERAND(REBOOT) : "memory");
    __builtin_unreachable();
}

// Stops the machine with `status` (on a VMM without a ROM: the isa-debug-exit port).
[[noreturn]] inline void shutdown(uint32_t status) {
    asm volatile(VMI_SITE("call vmi_native_shutdown")::"D"(status), VMI_CALL_OPERAND(SHUTDOWN)
                 : "memory");
    __builtin_unreachable();
}

inline void set_pte(uint64_t* pte, uint64_t value) {
    asm volatile(VMI_SITE("mov %%rsi, (%%rdi)")::"D"(pte), "S"(value), VMI_CALL_OPERAND(SET_PTE)
                 : "memory");
}
inline void update_pte(uint64_t* pte, uint64_t value) {
    asm volatile(VMI_SITE("mov %%rsi, (%%rdi)")::"D"(pte), "S"(value), VMI_CALL_OPERAND(UPDATE_PTE)
                 : "memory");
}
// Natively nothing to do: a hypervisor may pin or unpin the page as a page table.
inline void allocate_page(uint64_t pfn, uint32_t level_flags) {
    asm volatile(VMI_SITE("")::"D"(pfn), "S"(level_flags), VMI_CALL_OPERAND(ALLOCATE_PAGE)
                 : "memory");
}
inline void release_page(uint64_t pfn, uint32_t level) {
    asm volatile(VMI_SITE("")::"D"(pfn), "S"(level), VMI_CALL_OPERAND(RELEASE_PAGE) : "memory");
}
inline void inval_page(const void* va) {
    asm volatile(VMI_SITE("invlpg (%%rdi)")::"D"(va), VMI_CALL_OPERAND(INVAL_PAGE) : "memory");
}
inline void flush_tlb(uint32_t flags) {
    asm volatile(VMI_SITE("call vmi_native_flush_tlb")::"D"(flags), VMI_CALL_OPERAND(FLUSH_TLB)
                 : "memory");
}
inline void set_lazy_mode(uint32_t mode) {
    asm volatile(VMI_SITE("")::"D"(mode), VMI_CALL_OPERAND(SET_LAZY_MODE) : "memory");
}

inline uint8_t inb(uint16_t port) {
    uint8_t v;
    asm volatile(VMI_SITE("inb %%dx, %%al") : "=a"(v) : "d"(port), VMI_CALL_OPERAND(INB));
    return v;
}
inline uint16_t inw(uint16_t port) {
    uint16_t v;
    asm volatile(VMI_SITE("inw %%dx, %%ax") : "=a"(v) : "d"(port), VMI_CALL_OPERAND(INW));
    return v;
}
inline uint32_t inl(uint16_t port) {
    uint32_t v;
    asm volatile(VMI_SITE("inl %%dx, %%eax") : "=a"(v) : "d"(port), VMI_CALL_OPERAND(INL));
    return v;
}
inline void outb(uint16_t port, uint8_t v) {
    asm volatile(VMI_SITE("outb %%al, %%dx")::"a"(v), "d"(port), VMI_CALL_OPERAND(OUTB));
}
inline void outw(uint16_t port, uint16_t v) {
    asm volatile(VMI_SITE("outw %%ax, %%dx")::"a"(v), "d"(port), VMI_CALL_OPERAND(OUTW));
}
inline void outl(uint16_t port, uint32_t v) {
    asm volatile(VMI_SITE("outl %%eax, %%dx")::"a"(v), "d"(port), VMI_CALL_OPERAND(OUTL));
}

// TSC frequency in Hz, 0 if neither the ROM nor CPUID can tell.
inline uint64_t get_cycle_frequency() {
    uint64_t hz;
    asm volatile(VMI_SITE("call vmi_native_cycle_frequency")
                 : "=a"(hz)
                 : VMI_CALL_OPERAND(GET_CYCLE_FREQUENCY)
                 : "memory");
    return hz;
}

// Local APIC registers by xAPIC offset (docs/spec.md §4.2); natively x2APIC MSRs.
inline uint32_t apic_read(uint32_t reg) {
    uint32_t v;
    asm volatile(VMI_SITE("call vmi_native_apic_read")
                 : "=a"(v)
                 : "D"(reg), VMI_CALL_OPERAND(APIC_READ)
                 : "memory");
    return v;
}
inline void apic_write(uint32_t reg, uint32_t value) {
    asm volatile(VMI_SITE("call vmi_native_apic_write")::"D"(reg), "S"(value),
                 VMI_CALL_OPERAND(APIC_WRITE)
                 : "memory");
}
// Ends the interrupt being handled; the kernel calls it for every alarm.
inline void apic_eoi() {
    asm volatile(VMI_SITE("call vmi_native_apic_eoi")::VMI_CALL_OPERAND(APIC_EOI) : "memory");
}

// Arms the alarm: VMI_VECTOR_ALARM reaches the interrupt handler when GET_CYCLE_COUNTER(REAL)
// reaches `expiry`, then every `period` cycles if VMI_ALARM_PERIODIC. Returns a VMI_* status
// (VMI_ERR_UNSUPPORTED where the platform has no usable timer).
inline uint32_t set_alarm(uint32_t flags, uint64_t expiry, uint64_t period) {
    uint32_t status;
    asm volatile(VMI_SITE("call vmi_native_set_alarm")
                 : "=a"(status)
                 : "D"(flags), "S"(expiry), "d"(period), VMI_CALL_OPERAND(SET_ALARM)
                 : "memory");
    return status;
}
inline void cancel_alarm(uint32_t flags) {
    asm volatile(VMI_SITE("call vmi_native_cancel_alarm")::"D"(flags),
                 VMI_CALL_OPERAND(CANCEL_ALARM)
                 : "memory");
}

inline uint64_t get_cycle_counter(uint32_t kind) {
    uint64_t v;
    asm volatile(VMI_SITE("call vmi_native_cycle_counter")
                 : "=a"(v)
                 : "D"(kind), VMI_CALL_OPERAND(GET_CYCLE_COUNTER)
                 : "rdx");
    return v;
}

// Nanoseconds since 1970-01-01 UTC, 0 if unknown.
inline uint64_t get_wallclock_time() {
    uint64_t ns;
    asm volatile(VMI_SITE("call vmi_native_wallclock")
                 : "=a"(ns)
                 : VMI_CALL_OPERAND(GET_WALLCLOCK_TIME)
                 : "memory");
    return ns;
}

inline void console_write(const char* buf, uint64_t len) {
    asm volatile(VMI_SITE("call vmi_native_console_write")::"D"(buf), "S"(len), "m"(*buf),
                 VMI_CALL_OPERAND(CONSOLE_WRITE)
                 : "memory");
}

// One page, given by both addresses: natively a single string instruction (native.S); a ROM
// may let the hypervisor do it by physical address.
inline void zero_page(void* page, uint64_t phys) {
    asm volatile(VMI_SITE("call vmi_native_zero_page")::"D"(page), "S"(phys),
                 VMI_CALL_OPERAND(ZERO_PAGE)
                 : "memory");
}
inline void copy_page(void* dst, const void* src, uint64_t dst_phys, uint64_t src_phys) {
    asm volatile(VMI_SITE("call vmi_native_copy_page")::"D"(dst), "S"(src), "d"(dst_phys),
                 "c"(src_phys), VMI_CALL_OPERAND(COPY_PAGE)
                 : "memory");
}

inline uint64_t get_features() {
    uint64_t f;
    asm volatile(VMI_SITE("xor %%eax, %%eax") : "=a"(f) : VMI_CALL_OPERAND(GET_FEATURES));
    return f;
}

// How often the ROM entered its monitor or hypervisor so far (docs/spec.md §9); natively 0.
// For benchmarks: entries per operation.
inline uint64_t get_monitor_entries() {
    uint64_t n;
    asm volatile(VMI_SITE("xor %%eax, %%eax") : "=a"(n) : VMI_CALL_OPERAND(GET_MONITOR_ENTRIES));
    return n;
}

} // namespace vmi
