/* Native event delivery (docs/spec.md §4.1): the 256 IDT stubs, the SYSCALL entry and the
 * RETURN_TO_INTERRUPTED / RETURN_TO_USER sites that resume a trap frame.
 *
 * Every path builds a struct vmi_trap_frame on the kernel stack (events.h: error code, vector,
 * then rax..r15 pushed so that r15 ends lowest), calls the kernel's handler with the frame in
 * rdi, and resumes the frame the handler returns: a context switch is returning another
 * frame. Kernel-mode instructions are emulated on the test bed (~1,500 cycles each), so these
 * paths are counted instruction by instruction (docs/kernel.md). */

#include <vmi/vmi.h>
#include <vmirt/site_asm.h>

/* Offsets into the runtime's data (events.cpp, alarm.cpp). */
#define HANDLER_EXCEPTION 0
#define HANDLER_INTERRUPT 8
#define HANDLER_SYSCALL 16
#define TSS_RSP0 4
#define MSR_TSC_DEADLINE 0x6e0

/* Vectors for which the CPU pushes an error code (SDM vol. 3A Table 6-1, "Protected-Mode
 * Exceptions and Interrupts"): #DF #TS #NP #SS #GP #PF #AC #CP #VC #SX. */
#define ERROR_CODE_VECTORS ((1 << 8) | (1 << 10) | (1 << 11) | (1 << 12) | (1 << 13) | \
                            (1 << 14) | (1 << 17) | (1 << 21) | (1 << 29) | (1 << 30))

.macro save_registers
    push %rax
    push %rbx
    push %rcx
    push %rdx
    push %rsi
    push %rdi
    push %rbp
    push %r8
    push %r9
    push %r10
    push %r11
    push %r12
    push %r13
    push %r14
    push %r15
.endm

/* Resumes the frame at rdi: the whole sequence is one site, so a ROM that runs the kernel
 * deprivileged replaces it with its own return path. Natively iretq, also for user frames:
 * sysretq shut the vCPU down from the test bed's emulated kernel mode (docs/testbed.md).
 * The frame may live anywhere (e.g. a process table): rsp points into it until iretq. */
.macro resume_frame call
    vmi_site_begin
    mov %rdi, %rsp
    pop %r15
    pop %r14
    pop %r13
    pop %r12
    pop %r11
    pop %r10
    pop %r9
    pop %r8
    pop %rbp
    pop %rdi
    pop %rsi
    pop %rdx
    pop %rcx
    pop %rbx
    pop %rax
    add $16, %rsp                 /* vector, error code */
    iretq
    vmi_site_end \call
.endm

/* The common tail of every stub once the CPU's part and vector/error code are on the stack.
 * cld: the SysV ABI wants DF clear, and an interrupt gate leaves a user's DF as it was. */
.macro deliver handler
    save_registers
    cld
    mov %rsp, %rdi
    call *vmi_native_handlers + \handler(%rip)
    mov %rax, %rdi
    resume_frame VMI_CALL_RETURN_TO_INTERRUPTED
.endm

    .text
    .code64

/* vmi::return_to_interrupted(frame) and return_to_user(frame) jump here (ops.hpp). */
    .globl vmi_native_return_to_interrupted
vmi_native_return_to_interrupted:
    resume_frame VMI_CALL_RETURN_TO_INTERRUPTED

    .globl vmi_native_return_to_user
vmi_native_return_to_user:
    resume_frame VMI_CALL_RETURN_TO_USER

/* The hot vectors fall through into their common code instead of jumping to it: #PF (demand
 * paging, copy-on-write) into the exception path, the alarm into the interrupt path.
 *
 * A #PF at the SYSCALL entry itself is a SYSCALL the host carried out without raising the
 * privilege level: some hosts that emulate SYSCALL for a guest (this test bed's kvm_pvm,
 * docs/testbed.md) load RIP from IA32_LSTAR but leave CPL 3, so the user-mode fetch of
 * the supervisor page faults, now at CPL 0 with the user's registers as SYSCALL left them. The
 * stub completes the system call from there; elsewhere it costs #PF two instructions. */
    .balign 16
page_fault_stub:
    push $14
    cmpq $vmi_native_syscall_entry, 16(%rsp)
    je syscall_by_fault
exception_entry:
    deliver HANDLER_EXCEPTION

/* The CPU's frame is the user's but for rip and rflags, which SYSCALL put in rcx and r11;
 * cld in case the host did not apply IA32_FMASK either. */
syscall_by_fault:
    cld
    movq $VMI_VECTOR_SYSCALL, (%rsp)
    movq $0, 8(%rsp)
    mov %rcx, 16(%rsp)
    mov %r11, 32(%rsp)
    jmp syscall_frame_built

    .balign 16
interrupt_entry:
    deliver HANDLER_INTERRUPT

/* The alarm: for a periodic TSC-deadline alarm the runtime arms the next deadline before the
 * handler runs (SDM vol. 3A "TSC-Deadline Mode": the timer is one-shot), so the handler may
 * cancel or re-set it. Deadlines advance by the period from the previous one (no drift); one
 * already past (the vCPU did not run) restarts a period from now instead of firing in a burst. */
    .balign 16
alarm_stub:
    push $0
    push $VMI_VECTOR_ALARM
    save_registers
    cld
    mov vmi_native_alarm_period(%rip), %rsi
    test %rsi, %rsi
    jz 2f
    rdtsc
    shl $32, %rdx
    or %rdx, %rax
    mov vmi_native_alarm_deadline(%rip), %rdx
    add %rsi, %rdx
    cmp %rax, %rdx
    ja 1f
    lea (%rax,%rsi), %rdx
1:  mov %rdx, vmi_native_alarm_deadline(%rip)
    mov %edx, %eax
    shr $32, %rdx
    mov $MSR_TSC_DEADLINE, %ecx
    wrmsr
2:  mov %rsp, %rdi
    call *vmi_native_handlers + HANDLER_INTERRUPT(%rip)
    mov %rax, %rdi
    resume_frame VMI_CALL_RETURN_TO_INTERRUPTED

/* SYSCALL from user mode (SDM vol. 2B SYSCALL): rcx = user rip, r11 = user rflags, rsp still
 * the user's, IF/DF/TF/AC/NT cleared by IA32_FMASK. One CPU and interrupts off, so the user rsp
 * can wait in a variable while rsp moves to the kernel stack (TSS.RSP0, set by
 * UPDATE_KERNEL_STACK); no swapgs needed. The frame looks like an interrupt's from user mode. */
    .balign 16
    .globl vmi_native_syscall_entry
vmi_native_syscall_entry:
    mov %rsp, syscall_user_rsp(%rip)
    mov vmi_native_tss + TSS_RSP0(%rip), %rsp
    push $VMI_SEL_USER_DATA
    push syscall_user_rsp(%rip)
    push %r11
    push $VMI_SEL_USER_CODE
    push %rcx
    push $0
    push $VMI_VECTOR_SYSCALL
syscall_frame_built:
    save_registers
    mov %rsp, %rdi
    call *vmi_native_handlers + HANDLER_SYSCALL(%rip)
    mov %rax, %rdi
    /* The handler may switch to a kernel-mode frame (e.g. an idle loop): RETURN_TO_USER is
     * only for user frames. */
    testb $3, VMI_FRAME_CS(%rax)
    jz vmi_native_return_to_interrupted
    resume_frame VMI_CALL_RETURN_TO_USER

/* The other stubs: error code (0 where the CPU pushes none), vector, jump to the common code.
 * vmi_native_idt_stubs[v] is the entry of vector v (events.cpp builds the IDT from it). */
    .section .rodata.vmi_idt_stubs, "a"
    .balign 8
    .globl vmi_native_idt_stubs
vmi_native_idt_stubs:
    .text
    .set vector, 0
    .rept 256
    .if vector == 14
    .pushsection .rodata.vmi_idt_stubs, "a"
    .quad page_fault_stub
    .popsection
    .elseif vector == VMI_VECTOR_ALARM
    .pushsection .rodata.vmi_idt_stubs, "a"
    .quad alarm_stub
    .popsection
    .else
1:
    /* gas evaluates both sides of `||`, and a shift by 64 or more warns: test the error-code
     * bit only for exception vectors. */
    .if vector < 32
    .if ((ERROR_CODE_VECTORS >> vector) & 1) == 0
    push $0
    .endif
    push $vector
    jmp exception_entry
    .else
    push $0
    push $vector
    jmp interrupt_entry
    .endif
    .pushsection .rodata.vmi_idt_stubs, "a"
    .quad 1b
    .popsection
    .endif
    .set vector, vector + 1
    .endr

    .bss
    .balign 8
syscall_user_rsp:
    .quad 0

    .section .note.GNU-stack, "", @progbits
