/* VMI-64 call list (docs/spec.md §4): the single source of truth for call numbers, names and
 * register signatures. Numbers are stable: a call is never renumbered or reused, new calls are
 * appended and raise the ABI minor version.
 *
 * X(number, NAME, name, "inputs -> outputs") — registers per docs/spec.md §5. Every register not
 * listed as an output is preserved; flags are not. */
#ifndef VMI_CALLS_H
#define VMI_CALLS_H

#define VMI_CALLS(X)                                                                               \
    X(0, CPUID, cpuid, "eax=leaf ecx=subleaf -> eax ebx ecx edx")                                  \
    X(1, RDMSR, rdmsr, "ecx=msr -> edx:eax")                                                       \
    X(2, WRMSR, wrmsr, "ecx=msr edx:eax=value ->")                                                 \
    X(3, LOAD_GDT, load_gdt, "rdi=&{u16 limit, u64 base} ->")                                      \
    X(4, LOAD_IDT, load_idt, "rdi=&{u16 limit, u64 base} ->")                                      \
    X(5, LOAD_TR, load_tr, "di=selector ->")                                                       \
    X(6, WRITE_GDT_ENTRY, write_gdt_entry, "rdi=&entry rsi=value ->")                              \
    X(7, WRITE_IDT_ENTRY, write_idt_entry, "rdi=&entry rsi=low rdx=high ->")                       \
    X(8, GET_CR0, get_cr0, "-> rax")                                                               \
    X(9, SET_CR0, set_cr0, "rdi=value ->")                                                         \
    X(10, GET_CR2, get_cr2, "-> rax")                                                              \
    X(11, SET_CR2, set_cr2, "rdi=value ->")                                                        \
    X(12, GET_CR3, get_cr3, "-> rax")                                                              \
    X(13, SET_CR3, set_cr3, "rdi=value ->")                                                        \
    X(14, GET_CR4, get_cr4, "-> rax")                                                              \
    X(15, SET_CR4, set_cr4, "rdi=value ->")                                                        \
    X(16, ENABLE_INTERRUPTS, enable_interrupts, "->")                                              \
    X(17, DISABLE_INTERRUPTS, disable_interrupts, "->")                                            \
    X(18, GET_INTERRUPT_MASK, get_interrupt_mask, "-> rax=rflags")                                 \
    X(19, SET_INTERRUPT_MASK, set_interrupt_mask, "rdi=rflags ->")                                 \
    X(20, RETURN_TO_INTERRUPTED, return_to_interrupted, "rdi=&trap frame -> (no return)")          \
    X(21, RETURN_TO_USER, return_to_user, "rdi=&trap frame (user mode) -> (no return)")            \
    X(22, UPDATE_KERNEL_STACK, update_kernel_stack, "rdi=stack top for user-mode events ->")       \
    X(23, SET_CALLBACKS, set_callbacks, "rdi=&struct vmi_callbacks -> rax=status")                 \
    X(24, HALT, halt, "->")                                                                        \
    X(25, REBOOT, reboot, "-> (no return)")                                                        \
    X(26, SHUTDOWN, shutdown, "edi=status -> (no return)")                                         \
    X(27, SET_PTE, set_pte, "rdi=&pte rsi=value ->")                                               \
    X(28, UPDATE_PTE, update_pte, "rdi=&pte rsi=value ->")                                         \
    X(29, ALLOCATE_PAGE, allocate_page, "rdi=pfn esi=level|flags ->")                              \
    X(30, RELEASE_PAGE, release_page, "rdi=pfn esi=level ->")                                      \
    X(31, INVAL_PAGE, inval_page, "rdi=virtual address ->")                                        \
    X(32, FLUSH_TLB, flush_tlb, "edi=flags ->")                                                    \
    X(33, SET_LAZY_MODE, set_lazy_mode, "edi=mode ->")                                             \
    X(34, INB, inb, "dx=port -> al")                                                               \
    X(35, INW, inw, "dx=port -> ax")                                                               \
    X(36, INL, inl, "dx=port -> eax")                                                              \
    X(37, OUTB, outb, "dx=port al=value ->")                                                       \
    X(38, OUTW, outw, "dx=port ax=value ->")                                                       \
    X(39, OUTL, outl, "dx=port eax=value ->")                                                      \
    X(40, APIC_READ, apic_read, "edi=register -> eax")                                             \
    X(41, APIC_WRITE, apic_write, "edi=register esi=value ->")                                     \
    X(42, APIC_EOI, apic_eoi, "->")                                                                \
    X(43, GET_CYCLE_FREQUENCY, get_cycle_frequency, "-> rax=Hz (0 if unknown)")                    \
    X(44, GET_CYCLE_COUNTER, get_cycle_counter, "edi=kind -> rax, rdx clobbered")                  \
    X(45, SET_ALARM, set_alarm, "edi=flags rsi=expiry cycles rdx=period cycles -> rax=status")     \
    X(46, CANCEL_ALARM, cancel_alarm, "edi=flags ->")                                              \
    X(47, GET_WALLCLOCK_TIME, get_wallclock_time, "-> rax=ns since 1970-01-01 UTC")                \
    X(48, CONSOLE_WRITE, console_write, "rdi=buffer rsi=length ->")                                \
    X(49, GET_FEATURES, get_features, "-> rax=feature bits")                                       \
    X(50, ZERO_PAGE, zero_page, "rdi=page (virtual) rsi=page (physical) ->")                       \
    X(51, COPY_PAGE, copy_page, "rdi=dst rsi=src (virtual) rdx=dst rcx=src (physical) ->")         \
    X(52, GET_MONITOR_ENTRIES, get_monitor_entries, "-> rax=entries (1.2)")

#ifndef __ASSEMBLER__
#define VMI_CALL_ENUM_ENTRY(number, NAME, name, sig) VMI_CALL_##NAME = number,
enum vmi_call { VMI_CALLS(VMI_CALL_ENUM_ENTRY) VMI_CALL_COUNT };
#undef VMI_CALL_ENUM_ENTRY
#else
/* The same names as assembler symbols: VMI_CALL_<NAME> and VMI_CALL_COUNT, e.g. for a ROM's
 * call table and header (docs/spec.md §11). */
#define VMI_CALL_ASM_SYMBOL(number, NAME, name, sig) .set VMI_CALL_##NAME, number;
#define VMI_CALL_ASM_ONE(number, NAME, name, sig) +1
/* clang-format off */
VMI_CALLS(VMI_CALL_ASM_SYMBOL)
.set VMI_CALL_COUNT, 0 VMI_CALLS(VMI_CALL_ASM_ONE)
/* clang-format on */
#undef VMI_CALL_ASM_SYMBOL
#undef VMI_CALL_ASM_ONE
#endif

#endif
