/* PVH entry of the test guests: 32-bit protected mode, paging off, %ebx = hvm_start_info
 * (Xen docs/misc/pvh.pandoc). Identity-maps the first 1 GiB with 2 MiB pages, enters long
 * mode and calls guest_main(start_info); its return value goes to the debug-exit port. */

    .section .note.pvh, "a"
    .balign 4
    .long 4                 /* namesz */
    .long 4                 /* descsz */
    .long 18                /* XEN_ELFNOTE_PHYS32_ENTRY */
    .asciz "Xen"
    .long pvh_entry

    .section .text.entry, "ax"
    .code32
    .globl pvh_entry
pvh_entry:
    cli
    mov %ebx, %esi                       /* keep start_info across the setup */
    /* PML4[0] -> PDPT, PDPT[0] -> PD, PD[i] = i * 2 MiB | PS | RW | P */
    lea pdpt, %eax
    or $0x3, %eax
    mov %eax, pml4
    lea pd, %eax
    or $0x3, %eax
    mov %eax, pdpt
    xor %ecx, %ecx
1:  mov %ecx, %eax
    shl $21, %eax
    or $0x83, %eax
    mov %eax, pd(,%ecx,8)
    inc %ecx
    cmp $512, %ecx
    jne 1b
    lea pml4, %eax
    mov %eax, %cr3
    mov %cr4, %eax
    or $0x20, %eax                       /* PAE */
    mov %eax, %cr4
    mov $0xc0000080, %ecx                /* IA32_EFER */
    rdmsr
    or $0x100, %eax                      /* LME */
    wrmsr
    mov %cr0, %eax
    or $0x80000001, %eax                 /* PG | PE */
    mov %eax, %cr0
    lgdt gdt_ptr
    ljmp $0x08, $long_mode

    .code64
long_mode:
    mov $0x10, %ax
    mov %ax, %ds
    mov %ax, %es
    mov %ax, %ss
    lea stack_top(%rip), %rsp
    mov %esi, %edi
    call guest_main
    mov %eax, %ecx
    mov $0xf4, %dx
    out %eax, %dx
2:  cli
    hlt
    jmp 2b

    .section .rodata
    .balign 8
gdt:
    .quad 0
    .quad 0x00af9b000000ffff             /* 64-bit code */
    .quad 0x00cf93000000ffff             /* data */
gdt_end:
gdt_ptr:
    .word gdt_end - gdt - 1
    .long gdt

    .section .bss
    .balign 4096
pml4: .skip 4096
pdpt: .skip 4096
pd:   .skip 4096
    .balign 16
    .skip 16384
stack_top:
