/* Start-to-guest-entry marker for bench/run: the first instructions the guest executes write
 * one newline to COM1 and exit through the debug-exit port with kStatusOk (42). No boot code
 * runs before the write (no page tables, no long mode), so the time from launching the monitor
 * to that byte on its stdout is the monitor's start-up plus one port exit. */

    .section .note.pvh, "a"
    .balign 4
    .long 4, 4, 18          /* namesz, descsz, XEN_ELFNOTE_PHYS32_ENTRY */
    .asciz "Xen"
    .long entry_mark

    .section .text, "ax"
    .code32
    .globl entry_mark
entry_mark:
    mov $0x3f8, %dx         /* COM1 transmit register: no LSR poll, one exit */
    mov $0x0a, %al          /* newline: a line-buffered monitor flushes at once */
    out %al, %dx
    mov $0xf4, %dx          /* debug-exit, 32-bit write as the test guests do */
    mov $42, %eax
    out %eax, %dx
1:  hlt
    jmp 1b
