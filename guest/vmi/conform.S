/* The conformance harness (<vmirt/conform.hpp>, run=conform): calls a ROM entry the way a
 * patched site does, on a stack the caller laid guard bytes in, and stores every register the
 * call left. vmi::conform::Regs: rax rbx rcx rdx rsi rdi rbp r8-r15, then rflags and rsp after
 * the call (8 bytes each). */

/* System V entry: keep the caller's registers, switch to stack_top (rcx). */
.macro harness_entry
    push %rbx
    push %rbp
    push %r12
    push %r13
    push %r14
    push %r15
    mov %rsp, saved_rsp(%rip)
    mov %rdi, target(%rip)
    mov %rdx, out(%rip)
    mov %rcx, %rsp
.endm

    .text
/* void vmi_conform_call(uint64_t target, const Regs* in, Regs* out, void* stack_top):
 * every general register loaded from `in`, rsp = stack_top at the call. */
    .globl vmi_conform_call
    .type vmi_conform_call, @function
vmi_conform_call:
    harness_entry
    mov %rsi, %rax
    mov 0x08(%rax), %rbx
    mov 0x10(%rax), %rcx
    mov 0x18(%rax), %rdx
    mov 0x20(%rax), %rsi
    mov 0x28(%rax), %rdi
    mov 0x30(%rax), %rbp
    mov 0x38(%rax), %r8
    mov 0x40(%rax), %r9
    mov 0x48(%rax), %r10
    mov 0x50(%rax), %r11
    mov 0x58(%rax), %r12
    mov 0x60(%rax), %r13
    mov 0x68(%rax), %r14
    mov 0x70(%rax), %r15
    mov 0x00(%rax), %rax
    call *target(%rip)
    jmp store
    .size vmi_conform_call, . - vmi_conform_call

/* void vmi_conform_resume(uint64_t target, const vmi_trap_frame* frame, Regs* out,
 * void* stack_top): RETURN_TO_INTERRUPTED of a frame whose rip is vmi_conform_resumed. A call
 * that returns instead arrives at the same place, with rsp = stack_top. */
    .globl vmi_conform_resume
    .type vmi_conform_resume, @function
vmi_conform_resume:
    harness_entry
    mov %rsi, %rdi
    call *target(%rip)
    .globl vmi_conform_resumed
vmi_conform_resumed:
store:
    /* Only the slot of the return address is reused: the guard below it stays as the call left
     * it. */
    mov %rax, scratch(%rip)
    mov out(%rip), %rax
    mov %rbx, 0x08(%rax)
    mov %rcx, 0x10(%rax)
    mov %rdx, 0x18(%rax)
    mov %rsi, 0x20(%rax)
    mov %rdi, 0x28(%rax)
    mov %rbp, 0x30(%rax)
    mov %r8, 0x38(%rax)
    mov %r9, 0x40(%rax)
    mov %r10, 0x48(%rax)
    mov %r11, 0x50(%rax)
    mov %r12, 0x58(%rax)
    mov %r13, 0x60(%rax)
    mov %r14, 0x68(%rax)
    mov %r15, 0x70(%rax)
    mov %rsp, 0x80(%rax)
    mov scratch(%rip), %rbx
    mov %rbx, 0x00(%rax)
    pushfq
    popq 0x78(%rax)
    mov saved_rsp(%rip), %rsp
    pop %r15
    pop %r14
    pop %r13
    pop %r12
    pop %rbp
    pop %rbx
    ret
    .size vmi_conform_resume, . - vmi_conform_resume

    .bss
    .balign 8
saved_rsp: .quad 0
target: .quad 0
out: .quad 0
scratch: .quad 0

    .section .note.GNU-stack, "", @progbits
