/* Entry of every user program: the kernel starts it with rdi = argument string and rsp = the
 * top of its stack; main's return value is the exit status. */
    .text
    .globl _start
_start:
    and $-16, %rsp
    call main
    mov %eax, %edi
    xor %eax, %eax          /* SYS_EXIT */
    syscall
    ud2

    .section .note.GNU-stack, "", @progbits
