/* run=conform's harness (guest/kernel/conform.hpp): calls a ROM entry the way a patched site
 * does, with every general register loaded from a pattern, on a stack the caller laid a guard
 * pattern in, and stores every register the call left.
 *
 * void conform_call(uint64_t target, const ConformRegs* in, ConformRegs* out, void* stack_top)
 * ConformRegs: rax rbx rcx rdx rsi rdi rbp r8-r15 rflags, 8 bytes each (rflags only out). */

    .text
    .globl conform_call
    .type conform_call, @function
conform_call:
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
    /* rsp is stack_top here, as a site's is at its `call`. */
    call *target(%rip)
    /* Only the return address slot below stack_top is reused: the guard below it stays as the
     * call left it. */
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
    .size conform_call, . - conform_call

    .bss
    .balign 8
saved_rsp: .quad 0
target: .quad 0
out: .quad 0
scratch: .quad 0

    .section .note.GNU-stack, "", @progbits
