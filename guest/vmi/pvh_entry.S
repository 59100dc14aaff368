/* PVH entry and long-mode trampoline for a kernel linked at 0xffffffff80000000 + physical.
 * Entry state (Xen docs/misc/pvh.pandoc): 32-bit protected mode, paging off, %ebx = physical
 * address of hvm_start_info. Maps the first 1 GiB at 0 and at -2 GiB with 2 MiB pages, enables
 * long mode and calls vmi_boot_main(start_info) on the boot stack. Everything here runs at
 * physical addresses until the final jump. */

#define KERNEL_BASE 0xffffffff80000000

    .section .note.pvh, "a"
    .balign 4
    .long 4, 4, 18          /* namesz, descsz, XEN_ELFNOTE_PHYS32_ENTRY */
    .asciz "Xen"
    .long pvh_entry

    .section .boot.text, "ax"
    .code32
    .globl pvh_entry
pvh_entry:
    cli
    cld
    mov %ebx, %esi
    /* PML4[0] and PML4[511] -> PDPT; PDPT[0] and PDPT[510] -> PD; PD maps 1 GiB. */
    mov $boot_pdpt + 3, %eax
    mov %eax, boot_pml4
    mov %eax, boot_pml4 + 511 * 8
    mov $boot_pd + 3, %eax
    mov %eax, boot_pdpt
    mov %eax, boot_pdpt + 510 * 8
    mov $0x83, %eax                      /* P | RW | PS */
    mov $boot_pd, %edi
    mov $512, %ecx
1:  mov %eax, (%edi)
    add $0x200000, %eax
    add $8, %edi
    loop 1b
    mov $boot_pml4, %eax
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
    lgdt boot_gdt_ptr
    ljmp $0x08, $1f

    .code64
1:  mov $0x10, %eax
    mov %eax, %ds
    mov %eax, %es
    mov %eax, %ss
    movabs $boot_stack_top, %rsp
    mov %esi, %edi
    movabs $vmi_boot_main, %rax
    call *%rax
2:  hlt
    jmp 2b

    .section .boot.rodata, "a"
    .balign 8
boot_gdt:
    .quad 0
    .quad 0x00af9b000000ffff             /* 64-bit code */
    .quad 0x00cf93000000ffff             /* data */
boot_gdt_ptr:
    .word boot_gdt_ptr - boot_gdt - 1
    .long boot_gdt

    .section .boot.bss, "aw", @nobits
    .balign 4096
boot_pml4: .skip 4096
boot_pdpt: .skip 4096
boot_pd:   .skip 4096

    .section .bss
    .balign 16
    .skip 32768
boot_stack_top:

    .section .note.GNU-stack, "", @progbits
