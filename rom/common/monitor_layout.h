/* Layout of the deprivileged monitor's state (docs/monitor.md): offsets from the state the
 * kernel gives the ROM (vmi_init_args.state_virt). The payload (monitor.S) is copied to offset
 * 0 and addresses everything below RIP-relatively, so these are the only fixed numbers. */
#ifndef VMI_MONITOR_LAYOUT_H
#define VMI_MONITOR_LAYOUT_H

#define MON_CODE 0x0000     /* the payload's code: the trampoline first, then stubs and calls */
#define MON_CODE_MAX 0x4000 /* four pages, all mapped in the user root */
#define MON_VARS 0x4000     /* per-vCPU variables (below), then the GDT */
#define MON_ROM_VARS 0x4400 /* to MON_GDT: variables of the including ROM's ROM_PAYLOAD */
#define MON_GDT 0x4800
#define MON_IDT_K 0x5000 /* the IDT while the kernel root is loaded */
#define MON_IDT_U 0x6000 /* the IDT while a user root is loaded, at MON_IDT_K's address */
#define MON_TSS_K 0x7000 /* TSS and event stack in the kernel root */
#define MON_TSS_U 0x8000 /* TSS and event stack in a user root, at MON_TSS_K's address */
#define MON_UROOT 0x9000 /* the user root: user half from the kernel's root, then monitor */
#define MON_POOL 0xA000  /* page tables of the user root's monitor half */
#define MON_POOL_END 0x10000
#define MON_STATE_SIZE 0x10000

/* The event slot at the top of each event stack: what the CPU pushes, the vector below it and
 * one extra word (the interrupted rax for #PF, whose stub puts CR2 in rax). */
#define MON_SLOT (MON_TSS_K + 0x1000 - 0x40)
#define SLOT_EXTRA 0x00
#define SLOT_VECTOR 0x08
#define SLOT_ERROR 0x10
#define SLOT_RIP 0x18
#define SLOT_CS 0x20
#define SLOT_RFLAGS 0x28
#define SLOT_RSP 0x30
#define SLOT_SS 0x38

/* Variables, offsets from MON_VARS. */
#define V_VIF 0x00         /* qword: bit 0 the kernel's virtual IF, bit 1 delivering or halting */
#define V_PENDING_ANY 0x08 /* byte: some bit of V_PENDING is set */
#define V_DEPRIV 0x09      /* byte: 1 once the kernel runs at CPL3 */
#define V_APIC 0x0A        /* byte: 1 once the local APIC is set up for the alarm */
#define V_MODE 0x0B        /* byte: 1 with the ROM's hypervisor, 2 without (monitor_init) */
#define V_KCR3 0x10        /* the kernel's root (CR3 value) */
#define V_UCR3 0x18        /* physical address of the user root */
#define V_CR2 0x20         /* CR2 of the last page fault */
#define V_CB_EXCEPTION 0x28
#define V_CB_INTERRUPT 0x30
#define V_CB_SYSCALL 0x38
#define V_CR0 0x40
#define V_CR4 0x48
#define V_PHYS_OFFSET 0x50 /* state_virt - state_phys: page tables are mapped linearly */
#define V_ROM_VIRT 0x58
#define V_SCRATCH 0x60
#define V_SCRATCH2 0x68
#define V_RESUME_VIF 0x70
#define V_ENTRIES 0x78      /* monitor entries, for benchmarks */
#define V_ALARM_PERIOD 0x80 /* cycles, 0 for a one-shot alarm */
#define V_ALARM_DEADLINE 0x88
#define V_POOL_NEXT 0x90 /* next free page of MON_POOL, as an offset */
#define V_STATE_VIRT 0x98
#define V_FROM_USER 0xA0   /* iretq frame into dispatch_user: rip cs rflags rsp ss */
#define V_FROM_KERNEL 0xD0 /* iretq frame into dispatch_kernel */
#define V_PENDING 0x100    /* 256 bits, one per deferred interrupt vector */
#define V_GDTR 0x120       /* u16 limit, u64 base */
#define V_IDTR 0x130

/* Fixed linear address of SYSCALL's target (IA32_LSTAR): a supervisor-only page in every user
 * root. Where SYSCALL enters CPL0 the trampoline there runs; where a host leaves CPL3 (the test
 * bed) the fetch faults at exactly this address. Sign-extended imm32, so a stub compares it in
 * one instruction. */
#define MON_LSTAR 0xffffffffff600000

#endif
