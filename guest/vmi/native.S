/* Native implementations of the calls whose native form does not fit a call site. Each keeps
 * the ROM register contract (docs/spec.md §5): only declared outputs and flags change. */

    .text
    .code64

/* shutdown(edi=status): the isa-debug-exit port, then halt for good. */
    .globl vmi_native_shutdown
vmi_native_shutdown:
    mov %edi, %eax
    mov $0xf4, %dx
    out %eax, %dx
1:  cli
    hlt
    jmp 1b

/* reboot(): pulse the reset line through the keyboard controller; failing that, triple fault. */
    .globl vmi_native_reboot
vmi_native_reboot:
    mov $0xfe, %al
    out %al, $0x64
    lidt empty_idt(%rip)
    int3
    jmp vmi_native_reboot

/* flush_tlb(edi=flags): reload CR3, or toggle CR4.PGE to drop global entries too. */
    .globl vmi_native_flush_tlb
vmi_native_flush_tlb:
    push %rax
    test $2, %edi
    jnz 1f
    mov %cr3, %rax
    mov %rax, %cr3
    pop %rax
    ret
1:  mov %cr4, %rax
    xor $0x80, %rax
    mov %rax, %cr4
    xor $0x80, %rax
    mov %rax, %cr4
    pop %rax
    ret

/* get_cycle_counter(edi=kind) -> rax, rdx clobbered. Natively nothing is stolen. */
    .globl vmi_native_cycle_counter
vmi_native_cycle_counter:
    cmp $2, %edi
    je 1f
    rdtsc
    shl $32, %rdx
    or %rdx, %rax
    ret
1:  xor %eax, %eax
    ret

/* zero_page(rdi=page, rsi=physical) and copy_page(rdi=dst, rsi=src, rdx, rcx=physical): one
 * string instruction each, since every kernel-mode instruction may be emulated. */
    .globl vmi_native_zero_page
vmi_native_zero_page:
    push %rax
    push %rcx
    push %rdi
    xor %eax, %eax
    mov $512, %ecx
    rep stosq
    pop %rdi
    pop %rcx
    pop %rax
    ret

    .globl vmi_native_copy_page
vmi_native_copy_page:
    push %rcx
    push %rsi
    push %rdi
    mov $512, %ecx
    rep movsq
    pop %rdi
    pop %rsi
    pop %rcx
    ret

/* Trampolines into C++ (System V): save the caller-saved registers the contract preserves.
 * SAVE_SCRATCH is eight pushes, and trampolines whose call returns nothing in rax push it too,
 * so the callee's stack alignment depends on the trampoline and on the site, which is wherever
 * the compiler placed it. The C++ side (-mgeneral-regs-only) relies on no alignment. */
.macro SAVE_SCRATCH
    push %rcx; push %rdx; push %rsi; push %rdi
    push %r8; push %r9; push %r10; push %r11
.endm
.macro RESTORE_SCRATCH
    pop %r11; pop %r10; pop %r9; pop %r8
    pop %rdi; pop %rsi; pop %rdx; pop %rcx
.endm

    .globl vmi_native_console_write
vmi_native_console_write:
    push %rax
    SAVE_SCRATCH
    call vmi_native_console_write_impl
    RESTORE_SCRATCH
    pop %rax
    ret

/* The frequency is found once (native.cpp); later calls only load it. */
    .globl vmi_native_cycle_frequency
vmi_native_cycle_frequency:
    mov vmi_native_cycle_hz(%rip), %rax
    test %rax, %rax
    jz 1f
    ret
1:  SAVE_SCRATCH
    call vmi_native_cycle_frequency_impl
    RESTORE_SCRATCH
    ret

    .globl vmi_native_wallclock
vmi_native_wallclock:
    SAVE_SCRATCH
    call vmi_native_wallclock_impl
    RESTORE_SCRATCH
    ret

/* set_callbacks(rdi=&callbacks) -> rax=status: descriptor tables and SYSCALL MSRs (events.cpp). */
    .globl vmi_native_set_callbacks
vmi_native_set_callbacks:
    SAVE_SCRATCH
    call vmi_native_set_callbacks_impl
    RESTORE_SCRATCH
    ret

/* set_alarm(edi=flags rsi=expiry rdx=period) -> rax=status, cancel_alarm(edi=flags),
 * apic_read(edi=register) -> eax, apic_write(edi=register esi=value): alarm.cpp. */
    .globl vmi_native_set_alarm
vmi_native_set_alarm:
    SAVE_SCRATCH
    call vmi_native_set_alarm_impl
    RESTORE_SCRATCH
    ret

    .globl vmi_native_cancel_alarm
vmi_native_cancel_alarm:
    push %rax
    SAVE_SCRATCH
    call vmi_native_cancel_alarm_impl
    RESTORE_SCRATCH
    pop %rax
    ret

    .globl vmi_native_apic_read
vmi_native_apic_read:
    SAVE_SCRATCH
    call vmi_native_apic_read_impl
    RESTORE_SCRATCH
    ret

    .globl vmi_native_apic_write
vmi_native_apic_write:
    push %rax
    SAVE_SCRATCH
    call vmi_native_apic_write_impl
    RESTORE_SCRATCH
    pop %rax
    ret

/* apic_eoi(): once per interrupt, so kept short. A write of 0 to the EOI register (SDM vol. 3A,
 * "EOI Register"): MSR 0x80B in x2APIC mode, offset 0xB0 of the xAPIC page otherwise
 * (alarm.cpp sets vmi_native_apic_access: 1 x2APIC, 2 xAPIC; 0 no APIC, nothing to end). */
    .globl vmi_native_apic_eoi
vmi_native_apic_eoi:
    cmpb $1, vmi_native_apic_access(%rip)
    jne 1f
    push %rax
    push %rcx
    push %rdx
    mov $0x80b, %ecx
    xor %eax, %eax
    xor %edx, %edx
    wrmsr
    pop %rdx
    pop %rcx
    pop %rax
    ret
1:  jb 2f
    push %rax
    mov vmi_native_xapic(%rip), %rax
    movl $0, 0xb0(%rax)
    pop %rax
2:  ret

    .section .rodata
    .balign 8
empty_idt:
    .word 0
    .quad 0

    .section .note.GNU-stack, "", @progbits
