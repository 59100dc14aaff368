/* The deprivileged monitor (docs/monitor.md): a ROM component that runs the kernel at CPL3 and
 * keeps a minimal monitor at CPL0. A ROM includes this file inside its .rom section after
 * defining ROM_PRIVILEGED_CONSOLE, ROM_PRIVILEGED_SHUTDOWN and ROM_PRIVILEGED_REBOOT (what its
 * hypervisor wants at CPL0 for those calls) and the label data_area; ROM_PAYLOAD may add the
 * ROM's own calls to the payload, with variables at MON_ROM_VARS. In return it gives the ROM's
 * deprivileged binding tables their common part (MON_DEPRIVILEGED_TYPE, at the end).
 *
 * The payload, monitor_payload..monitor_payload_end, is copied by monitor_init into the state
 * the kernel gives the ROM and runs there: everything it addresses (variables, IDTs, TSSs, the
 * user root) lies at fixed offsets from it (monitor_layout.h), hence RIP-relative, although
 * both the ROM and the state lie where the kernel chose. The kernel binds calls into it with
 * VMI_RELOC_CALL_STATE.
 *
 * What runs at CPL0 is counted instruction by instruction: on a host that emulates kernel mode
 * each costs thousands of cycles (docs/testbed.md). Stubs only push the vector, switch CR3 when
 * the event came from user mode and iretq into the dispatcher at CPL3; returns load CR3 and
 * iretq. Saving registers, building frames and choosing handlers happen at CPL3.
 *
 * Two roots: the kernel's own (every page user-accessible, see set_pte) and one user root,
 * whose user half mirrors the kernel root's and whose kernel half maps only the monitor, for
 * the supervisor. Each root sees its own IDT and TSS at the same address, so the IDT in force
 * says where an event came from without a single test. */

#include "cpuid_answers.h"
#include "monitor_layout.h"

#define VAR(v) (monitor_payload + MON_VARS + (v))
#define AT(offset) (monitor_payload + (offset))
#define USLOT_UR AT(MON_SLOT)          /* the user slot, as the user root maps it */
#define USLOT_KR AT(MON_SLOT + 0x1000) /* the same memory, as the kernel root maps it */
#define TSS_K_RSP0 AT(MON_TSS_K + 4) /* the kernel root's TSS.RSP0 */
#define KSLOT AT(MON_SLOT)

#define PENDING_VECTOR 0x1ff /* slot vector meaning "deliver a deferred interrupt" */
#define PTE_PRESENT 1
#define PTE_WRITE 2
#define PTE_USER 4
#define PTE_ADDRESS 0x000ffffffffff000
#define RFLAGS_IF 0x200
/* What a frame may carry into the flags it resumes with: CF PF AF ZF SF TF DF OF AC ID. Never
 * IOPL (port I/O for user mode where the CPU honours it), NT (a faulting iretq), VM or RF. */
#define RFLAGS_KEEP 0x240cd5
#define CR4_PGE 0x80
#define CR4_SMEP 0x100000
#define CR4_SMAP 0x200000
#define MSR_EFER 0xc0000080
#define MSR_STAR 0xc0000081
#define MSR_LSTAR 0xc0000082
#define MSR_FMASK 0xc0000084
#define MSR_APIC_BASE 0x1b
#define MSR_TSC_DEADLINE 0x6e0
#define MSR_X2APIC_EOI 0x80b
#define MSR_X2APIC_SPURIOUS 0x80f
#define MSR_X2APIC_LVT_TIMER 0x832
#define FMASK_BITS 0x47700 /* TF IF DF NT AC, as the native runtime clears them */

/* Registers into and out of a trap frame at `base` (events.h order). */
.macro save_gprs base
    mov %r15, 0x00(\base)
    mov %r14, 0x08(\base)
    mov %r13, 0x10(\base)
    mov %r12, 0x18(\base)
    mov %r11, 0x20(\base)
    mov %r10, 0x28(\base)
    mov %r9, 0x30(\base)
    mov %r8, 0x38(\base)
    mov %rbp, 0x40(\base)
    mov %rdi, 0x48(\base)
    mov %rsi, 0x50(\base)
    mov %rdx, 0x58(\base)
    mov %rcx, 0x60(\base)
    mov %rbx, 0x68(\base)
.endm

/* Loads every register from the frame at rdi, rdi last. */
.macro load_gprs
    mov 0x00(%rdi), %r15
    mov 0x08(%rdi), %r14
    mov 0x10(%rdi), %r13
    mov 0x18(%rdi), %r12
    mov 0x20(%rdi), %r11
    mov 0x28(%rdi), %r10
    mov 0x30(%rdi), %r9
    mov 0x38(%rdi), %r8
    mov 0x40(%rdi), %rbp
    mov 0x50(%rdi), %rsi
    mov 0x58(%rdi), %rdx
    mov 0x60(%rdi), %rcx
    mov 0x68(%rdi), %rbx
    mov 0x70(%rdi), %rax
    mov 0x48(%rdi), %rdi
.endm

/* A privileged step of a call: done in place while the kernel still runs at CPL0 (boot, before
 * the first SET_CR3), afterwards at CPL0 through int3, which the kernel root's IDT turns into a
 * jump to r11. The bodies see the caller's registers, so a call's inputs and outputs pass
 * through unchanged. */
.macro privileged name
\name:
    cmpb $0, VAR(V_DEPRIV)(%rip)
    je 1f
    push %r11
    lea mon_\name(%rip), %r11
    incq VAR(V_ENTRIES)(%rip)
    int3
    pop %r11
    ret
1:  body_\name
    ret
mon_\name:
    body_\name
    iretq
.endm

.macro body_p_rdmsr
    rdmsr
.endm
.macro body_p_wrmsr
    wrmsr
.endm
.macro body_p_cpuid
    cpuid
.endm
.macro body_p_inb
    inb %dx, %al
.endm
.macro body_p_inw
    inw %dx, %ax
.endm
.macro body_p_inl
    inl %dx, %eax
.endm
.macro body_p_outb
    outb %al, %dx
.endm
.macro body_p_outw
    outw %ax, %dx
.endm
.macro body_p_outl
    outl %eax, %dx
.endm
.macro body_p_invlpg
    invlpg (%rdi)
.endm
.macro body_p_set_cr3
    mov %rdi, %cr3
.endm
.macro body_p_set_cr0
    mov %rdi, %cr0
.endm
.macro body_p_set_cr4
    mov %rdi, %cr4
.endm
.macro body_p_flush_tlb
    push %rax
    mov %cr3, %rax
    mov %rax, %cr3
    pop %rax
.endm
.macro body_p_console
    ROM_PRIVILEGED_CONSOLE
.endm
.macro body_p_shutdown
    ROM_PRIVILEGED_SHUTDOWN
.endm
.macro body_p_reboot
    ROM_PRIVILEGED_REBOOT
.endm

    .balign 16
    .globl monitor_payload
monitor_payload:
/* SYSCALL's target where it enters CPL0 (IA32_LSTAR = MON_LSTAR maps this page): on to the
 * real entry, through a pointer in the same page since only this page is mapped there. */
syscall_trampoline:
    jmp *syscall_target(%rip)
    .balign 8
syscall_target:
    .quad 0

/* ---- CPL0: events while a user root is loaded ------------------------------------------- */

/* SYSCALL at CPL0 (rcx = user rip, r11 = user rflags, rsp still the user's, IF clear): the
 * frame is built at CPL3 from rcx and r11; the slot only needs the user's rsp. */
syscall_user:
    mov %rsp, USLOT_UR + SLOT_RSP(%rip)
    lea USLOT_UR(%rip), %rsp
    movq $VMI_VECTOR_SYSCALL, SLOT_VECTOR(%rsp)
    jmp enter_from_user

/* A #PF at MON_LSTAR is a SYSCALL that left CPL3 unchanged (docs/testbed.md). Otherwise the
 * slot's extra word keeps rax and rax carries CR2 to the dispatcher. */
page_fault_user:
    cmpq $MON_LSTAR, 8(%rsp)
    je 1f
    push $14
    push %rax
    mov %cr2, %rax
    jmp enter_from_user
1:  push $VMI_VECTOR_SYSCALL
enter_from_user:
    mov VAR(V_KCR3)(%rip), %rsp
    mov %rsp, %cr3
    lea VAR(V_FROM_USER)(%rip), %rsp
    iretq

/* ---- CPL0: events while the kernel root is loaded --------------------------------------- */

/* An exception of the kernel itself (a fault at CPL3 in kernel code). Until the dispatcher has
 * copied the slot, bit 1 of the virtual IF defers interrupts, and RSP0 lies below the slot:
 * the CPU pushes an event's frame even when the monitor only defers it. */
exception_kernel:
    orq $2, VAR(V_VIF)(%rip)
    subq $0x40, TSS_K_RSP0(%rip)
    lea VAR(V_FROM_KERNEL)(%rip), %rsp
    iretq

page_fault_kernel:
    push $14
    push %rax
    mov %cr2, %rax
    jmp exception_kernel

/* An interrupt: delivered if the kernel has interrupts enabled (exactly 1), else deferred in
 * V_PENDING (without EOI, so the APIC holds back lower priorities) and the kernel resumed. */
interrupt_kernel:
    cmpq $1, VAR(V_VIF)(%rip)
    jne 1f
    movq $3, VAR(V_VIF)(%rip)
    subq $0x40, TSS_K_RSP0(%rip)
    lea VAR(V_FROM_KERNEL)(%rip), %rsp
    iretq
1:  push %rax
    mov 8(%rsp), %eax
    bts %rax, VAR(V_PENDING)(%rip)
    movb $1, VAR(V_PENDING_ANY)(%rip)
    pop %rax
    add $16, %rsp
    iretq

/* int3 from the kernel: a privileged step (see `privileged`). */
request_kernel:
    jmp *%r11

/* int $4 from the kernel: resume the user context in the user slot. A deferred interrupt that
 * arrived since the kernel looked is delivered instead, with that context as interrupted. */
return_to_user_kernel:
    cmpb $0, VAR(V_PENDING_ANY)(%rip)
    jne 1f
    mov VAR(V_UCR3)(%rip), %rsp
    mov %rsp, %cr3
    lea USLOT_UR + SLOT_RIP(%rip), %rsp
    iretq
1:  movq $PENDING_VECTOR, USLOT_KR + SLOT_VECTOR(%rip)
    lea VAR(V_FROM_USER)(%rip), %rsp
    iretq

/* HALT: wait for an interrupt with delivery held back, so that it is only marked pending; the
 * CPL3 side delivers it. */
mon_halt:
    orq $2, VAR(V_VIF)(%rip)
    sti
    hlt
    cli
    andq $1, VAR(V_VIF)(%rip)
    iretq

/* ---- the two IDTs' stubs: 16 bytes each, so that vector v's is at base + 16 v ------------- */

/* Vectors for which the CPU pushes an error code (SDM vol. 3A, Table 6-1). */
#define ERROR_CODE_VECTORS ((1 << 8) | (1 << 10) | (1 << 11) | (1 << 12) | (1 << 13) | \
                            (1 << 14) | (1 << 17) | (1 << 21) | (1 << 29) | (1 << 30))

    .balign 16
stubs_user:
    .set vector, 0
    .rept 256
    .balign 16
    .if vector == 14
    jmp page_fault_user
    .else
    .if vector >= 32
    push $0
    .elseif ((ERROR_CODE_VECTORS >> vector) & 1) == 0
    push $0
    .endif
    push $vector
    jmp enter_from_user
    .endif
    .set vector, vector + 1
    .endr

    .balign 16
stubs_kernel:
    .set vector, 0
    .rept 256
    .balign 16
    .if vector == 3
    jmp request_kernel
    .elseif vector == 4
    jmp return_to_user_kernel
    .elseif vector == 14
    jmp page_fault_kernel
    .elseif vector >= 32
    push $0
    push $vector
    jmp interrupt_kernel
    .else
    .if ((ERROR_CODE_VECTORS >> vector) & 1) == 0
    push $0
    .endif
    push $vector
    jmp exception_kernel
    .endif
    .set vector, vector + 1
    .endr

/* The privileged steps. */
    privileged p_rdmsr
    privileged p_wrmsr
    privileged p_cpuid
    privileged p_inb
    privileged p_inw
    privileged p_inl
    privileged p_outb
    privileged p_outw
    privileged p_outl
    privileged p_invlpg
    privileged p_set_cr3
    privileged p_set_cr0
    privileged p_set_cr4
    privileged p_flush_tlb
    privileged p_console
    privileged p_shutdown
    privileged p_reboot

/* ---- CPL3: dispatch ----------------------------------------------------------------------- */

/* For a #PF (eax = the vector, rsp = the frame, rsi = the slot): the stub left CR2 in rax and
 * the interrupted rax in the slot's extra word. */
.macro page_fault_fixup
    cmp $14, %eax
    jne 1f
    mov VMI_FRAME_RAX(%rsp), %rdx
    mov %rdx, VAR(V_CR2)(%rip)
    mov SLOT_EXTRA(%rsi), %rdx
    mov %rdx, VMI_FRAME_RAX(%rsp)
1:
.endm

/* From user mode: rsp = the kernel stack (UPDATE_KERNEL_STACK), the user's registers, the
 * slot in the user TSS page. The kernel's virtual IF is 0 (set before the return to user). */
dispatch_user:
    sub $VMI_FRAME_SIZE, %rsp
    save_gprs %rsp
    mov %rax, VMI_FRAME_RAX(%rsp)
    incq VAR(V_ENTRIES)(%rip)
    lea USLOT_KR(%rip), %rsi
    mov SLOT_VECTOR(%rsi), %rax
    page_fault_fixup
    cmp $VMI_VECTOR_SYSCALL, %eax
    jne 2f
    /* SYSCALL: rip and rflags are in rcx and r11 (SDM vol. 2B SYSCALL). */
    mov %rax, VMI_FRAME_VECTOR(%rsp)
    movq $0, VMI_FRAME_ERROR(%rsp)
    mov 0x60(%rsp), %rdx
    mov %rdx, VMI_FRAME_RIP(%rsp)
    movq $VMI_SEL_USER_CODE, VMI_FRAME_CS(%rsp)
    mov 0x20(%rsp), %rdx
    mov %rdx, VMI_FRAME_RFLAGS(%rsp)
    mov SLOT_RSP(%rsi), %rdx
    mov %rdx, VMI_FRAME_RSP(%rsp)
    movq $VMI_SEL_USER_DATA, VMI_FRAME_SS(%rsp)
    mov %rsp, %rdi
    cld
    call *VAR(V_CB_SYSCALL)(%rip)
    mov %rax, %rdi
    jmp resume
2:  mov %rax, VMI_FRAME_VECTOR(%rsp)
    mov SLOT_ERROR(%rsi), %rdx
    mov %rdx, VMI_FRAME_ERROR(%rsp)
    mov SLOT_RIP(%rsi), %rdx
    mov %rdx, VMI_FRAME_RIP(%rsp)
    mov SLOT_CS(%rsi), %rdx
    mov %rdx, VMI_FRAME_CS(%rsp)
    mov SLOT_RFLAGS(%rsi), %rdx
    mov %rdx, VMI_FRAME_RFLAGS(%rsp)
    mov SLOT_RSP(%rsi), %rdx
    mov %rdx, VMI_FRAME_RSP(%rsp)
    mov SLOT_SS(%rsi), %rdx
    mov %rdx, VMI_FRAME_SS(%rsp)
    mov %rsp, %rdi
    cld
    cmp $PENDING_VECTOR, %eax
    je deliver_pending
    jmp deliver

/* From the kernel at CPL3: the kernel's registers, the slot right above RSP0, V_VIF bit 1 set
 * and bit 0 the interrupted virtual IF. The frame goes below the interrupted stack pointer. */
dispatch_kernel:
    mov TSS_K_RSP0(%rip), %rsp
    mov %rax, VAR(V_SCRATCH)(%rip)
    lea KSLOT(%rip), %rax
    cmp %rax, %rsp
    jne monitor_fault
    mov SLOT_RSP(%rsp), %rax
    sub $VMI_FRAME_SIZE, %rax
    and $-16, %rax
    save_gprs %rax
    mov VAR(V_SCRATCH)(%rip), %rbx
    mov %rbx, VMI_FRAME_RAX(%rax)
    mov %rsp, %rsi
    mov %rax, %rsp
    incq VAR(V_ENTRIES)(%rip)
    mov SLOT_VECTOR(%rsi), %rax
    mov %rax, VMI_FRAME_VECTOR(%rsp)
    page_fault_fixup
    mov SLOT_ERROR(%rsi), %rdx
    mov %rdx, VMI_FRAME_ERROR(%rsp)
    mov SLOT_RIP(%rsi), %rdx
    mov %rdx, VMI_FRAME_RIP(%rsp)
    movq $VMI_SEL_KERNEL_CODE, VMI_FRAME_CS(%rsp)
    mov SLOT_RFLAGS(%rsi), %rdx
    and $~RFLAGS_IF, %rdx
    mov VAR(V_VIF)(%rip), %rcx
    and $1, %ecx
    shl $9, %ecx
    or %rcx, %rdx
    mov %rdx, VMI_FRAME_RFLAGS(%rsp)
    mov SLOT_RSP(%rsi), %rdx
    mov %rdx, VMI_FRAME_RSP(%rsp)
    movq $VMI_SEL_KERNEL_DATA, VMI_FRAME_SS(%rsp)
    addq $0x40, TSS_K_RSP0(%rip)
    movq $0, VAR(V_VIF)(%rip)
    mov %rsp, %rdi
    cld
    cmp $13, %eax
    je emulate_gp
    /* resume_check's ud2: an interrupt deferred while a frame was being resumed. The context
     * to deliver it in is the one that iretq was about to enter. */
    cmp $6, %eax
    jne deliver
    lea resume_check(%rip), %rdx
    cmp %rdx, VMI_FRAME_RIP(%rsp)
    jne deliver
    mov VMI_FRAME_RSP(%rsp), %rsi
    mov 0x00(%rsi), %rdx
    mov %rdx, VMI_FRAME_RIP(%rsp)
    mov 0x10(%rsi), %rdx
    mov %rdx, VMI_FRAME_RFLAGS(%rsp)
    mov 0x18(%rsi), %rdx
    mov %rdx, VMI_FRAME_RSP(%rsp)
    jmp deliver_pending

/* A kernel #GP (rdi = rsp = its frame) at port I/O, RDMSR, WRMSR, HLT, CLI or STI: native
 * code of a call the ROM left native, e.g. the UART console where no hypervisor offers one. The
 * instruction is carried out at CPL0 on the frame's registers and the frame resumed after it;
 * any other #GP is the kernel's. Prefixes: CS (site padding) and operand size. */
emulate_gp:
    mov VMI_FRAME_RIP(%rdi), %rsi
    xor %r8d, %r8d              /* 1: operand-size prefix */
    mov $14, %ecx               /* an instruction has at most 15 bytes */
1:  movzbl (%rsi), %eax
    cmp $0x2e, %al
    je 2f
    cmp $0x66, %al
    jne 3f
    mov $1, %r8d
2:  inc %rsi
    dec %ecx
    jnz 1b
    jmp deliver
3:  mov VMI_FRAME_RDX(%rdi), %rdx
    cmp $0xec, %al
    je gp_in_dx
    cmp $0xed, %al
    je gp_in_dx
    cmp $0xee, %al
    je gp_out_dx
    cmp $0xef, %al
    je gp_out_dx
    movzbl 1(%rsi), %edx        /* imm8 port forms */
    cmp $0xe4, %al
    je gp_in_imm
    cmp $0xe5, %al
    je gp_in_imm
    cmp $0xe6, %al
    je gp_out_imm
    cmp $0xe7, %al
    je gp_out_imm
    cmp $0xf4, %al
    je gp_hlt
    cmp $0xfa, %al
    je gp_cli
    cmp $0xfb, %al
    je gp_sti
    cmp $0x0f, %al
    jne deliver
    movzbl 1(%rsi), %eax
    cmp $0x30, %al
    je gp_wrmsr
    cmp $0x32, %al
    je gp_rdmsr
    jmp deliver

gp_in_imm:
    inc %rsi
gp_in_dx:
    mov VMI_FRAME_RAX(%rdi), %rcx
    cmp $0xe5, %al
    je 2f
    cmp $0xed, %al
    je 2f
    call p_inb
    mov %al, %cl
    jmp 4f
2:  test %r8d, %r8d
    jz 3f
    call p_inw
    mov %ax, %cx
    jmp 4f
3:  call p_inl
    mov %eax, %ecx              /* a 32-bit result clears bits 63:32 */
4:  mov %rcx, VMI_FRAME_RAX(%rdi)
    jmp gp_next1

gp_out_imm:
    inc %rsi
gp_out_dx:
    mov %eax, %ecx
    mov VMI_FRAME_RAX(%rdi), %rax
    cmp $0xe7, %cl
    je 2f
    cmp $0xef, %cl
    je 2f
    call p_outb
    jmp gp_next1
2:  test %r8d, %r8d
    jz 3f
    call p_outw
    jmp gp_next1
3:  call p_outl
    jmp gp_next1

gp_wrmsr:
    mov VMI_FRAME_RCX(%rdi), %rcx
    mov VMI_FRAME_RAX(%rdi), %rax
    mov VMI_FRAME_RDX(%rdi), %rdx
    call p_wrmsr
    jmp gp_next2
gp_rdmsr:
    mov VMI_FRAME_RCX(%rdi), %rcx
    call p_rdmsr
    mov %eax, %eax
    mov %rax, VMI_FRAME_RAX(%rdi)
    mov %edx, %edx
    mov %rdx, VMI_FRAME_RDX(%rdi)
    jmp gp_next2

gp_hlt:
    push %r11
    lea mon_halt(%rip), %r11
    incq VAR(V_ENTRIES)(%rip)
    int3
    pop %r11
    jmp gp_next1
gp_cli:
    andq $~RFLAGS_IF, VMI_FRAME_RFLAGS(%rdi)
    jmp gp_next1
gp_sti:
    orq $RFLAGS_IF, VMI_FRAME_RFLAGS(%rdi)
gp_next1:
    lea 1(%rsi), %rax
    jmp 1f
gp_next2:
    lea 2(%rsi), %rax
1:  mov %rax, VMI_FRAME_RIP(%rdi)
    jmp resume

/* An event of the kernel while the dispatcher was still copying the slot of another: a fault
 * in the monitor's own CPL3 path (e.g. a kernel stack pointer that maps nothing), which no
 * handler can be given. Stop with a triple fault, which the hypervisor reports with the
 * registers: rax the vector, rbx the rip, rcx the cs, rdx the rsp of this last event. */
monitor_fault:
    mov SLOT_VECTOR(%rsp), %rax
    mov SLOT_RIP(%rsp), %rbx
    mov SLOT_CS(%rsp), %rcx
    mov SLOT_RSP(%rsp), %rdx
    lea mon_fault(%rip), %r11
    int3
mon_fault:
    lidt null_idtr(%rip)
    ud2
    .balign 8
null_idtr:
    .word 0
    .quad 0

/* rdi = rsp = a complete frame; calls the handler for its vector and resumes its answer. */
deliver:
    mov VMI_FRAME_VECTOR(%rdi), %rax
    cmp $32, %eax
    jb 1f
    cmp $VMI_VECTOR_ALARM, %eax
    jne 2f
    call rearm_alarm
2:  call *VAR(V_CB_INTERRUPT)(%rip)
    mov %rax, %rdi
    jmp resume
1:  call *VAR(V_CB_EXCEPTION)(%rip)
    mov %rax, %rdi
    jmp resume

/* rdi = the frame of the interrupted context; the highest deferred vector is delivered in it
 * (virtual IF 0), on the current stack. */
deliver_pending:
    lea VAR(V_PENDING)(%rip), %rsi
    mov $3, %ecx
1:  mov (%rsi,%rcx,8), %rax
    test %rax, %rax
    jnz 2f
    dec %ecx
    jns 1b
    movb $0, VAR(V_PENDING_ANY)(%rip)
    jmp resume
2:  bsr %rax, %rdx
    btr %rdx, %rax
    mov %rax, (%rsi,%rcx,8)
    shl $6, %ecx
    add %ecx, %edx
    mov (%rsi), %rax
    or 8(%rsi), %rax
    or 16(%rsi), %rax
    or 24(%rsi), %rax
    setnz VAR(V_PENDING_ANY)(%rip)
    mov %rdx, VMI_FRAME_VECTOR(%rdi)
    movq $0, VMI_FRAME_ERROR(%rdi)
    movq $0, VAR(V_VIF)(%rip)
    and $-16, %rsp
    jmp deliver

/* RETURN_TO_INTERRUPTED and RETURN_TO_USER (rdi = frame): the frame's cs says which. */
d_return_to_interrupted:
d_return_to_user:
resume:
    testb $3, VMI_FRAME_CS(%rdi)
    jnz resume_user
    /* A kernel context: iretq at CPL3 through a copy below its stack pointer, with the kernel's
     * real selectors and IF; its virtual IF is set last, then deferred interrupts checked. */
    testl $RFLAGS_IF, VMI_FRAME_RFLAGS(%rdi)
    jz 1f
    cmpb $0, VAR(V_PENDING_ANY)(%rip)
    jne deliver_pending
    /* The copy may overlap the frame's own rip..ss: read them all first. */
1:  mov VMI_FRAME_RSP(%rdi), %rax
    mov VMI_FRAME_RIP(%rdi), %rbx
    mov VMI_FRAME_RFLAGS(%rdi), %rcx
    lea -40(%rax), %rsi
    mov %rbx, 0(%rsi)
    movq $VMI_SEL_USER_CODE, 8(%rsi)
    mov %rcx, %rdx
    and $RFLAGS_KEEP, %rdx
    or $(RFLAGS_IF | 2), %rdx
    mov %rdx, 16(%rsi)
    mov %rax, 24(%rsi)
    movq $VMI_SEL_USER_DATA, 32(%rsi)
    mov %rsi, VAR(V_SCRATCH2)(%rip)
    shr $9, %ecx
    and $1, %ecx
    mov %rcx, VAR(V_RESUME_VIF)(%rip)
    load_gprs
    mov VAR(V_SCRATCH2)(%rip), %rsp
    pushq VAR(V_RESUME_VIF)(%rip)
    popq VAR(V_VIF)(%rip)
    testb $1, VAR(V_VIF)(%rip)
    jz 2f
    cmpb $0, VAR(V_PENDING_ANY)(%rip)
    jz 2f
resume_check:
    ud2
2:  iretq

/* A user context: deferred interrupts first; then the user root's user half brought up to date
 * with the kernel root's, the iretq frame into the user slot and int $4. */
resume_user:
    movq $0, VAR(V_VIF)(%rip)
    cmpb $0, VAR(V_PENDING_ANY)(%rip)
    jne deliver_pending
    cmpq $VMI_SEL_USER_CODE, VMI_FRAME_CS(%rdi)
    jne bad_user_frame
    cmpq $VMI_SEL_USER_DATA, VMI_FRAME_SS(%rdi)
    jne bad_user_frame
    mov VAR(V_KCR3)(%rip), %rsi
    movabs $PTE_ADDRESS, %rax
    and %rax, %rsi
    add VAR(V_PHYS_OFFSET)(%rip), %rsi
    lea AT(MON_UROOT)(%rip), %rdx
    xor %ecx, %ecx
1:  mov (%rsi,%rcx,8), %rax
    cmp %rax, (%rdx,%rcx,8)
    je 2f
    mov %rax, (%rdx,%rcx,8)
2:  inc %ecx
    cmp $256, %ecx
    jne 1b
    lea USLOT_KR(%rip), %rsi
    mov VMI_FRAME_RIP(%rdi), %rax
    mov %rax, SLOT_RIP(%rsi)
    movq $VMI_SEL_USER_CODE, SLOT_CS(%rsi)
    mov VMI_FRAME_RFLAGS(%rdi), %rax
    and $RFLAGS_KEEP, %rax
    or $(RFLAGS_IF | 2), %rax
    mov %rax, SLOT_RFLAGS(%rsi)
    mov VMI_FRAME_RSP(%rdi), %rax
    mov %rax, SLOT_RSP(%rsi)
    movq $VMI_SEL_USER_DATA, SLOT_SS(%rsi)
    incq VAR(V_ENTRIES)(%rip)
    load_gprs
    int $4

/* A user frame whose selectors are not the user's: the kernel handed over a corrupt frame.
 * Reported as the kernel's own fault: vector 13 at the caller. */
bad_user_frame:
    movq $13, VMI_FRAME_VECTOR(%rdi)
    movq $0, VMI_FRAME_ERROR(%rdi)
    movq $VMI_SEL_KERNEL_CODE, VMI_FRAME_CS(%rdi)
    and $-16, %rsp
    call *VAR(V_CB_EXCEPTION)(%rip)
    mov %rax, %rdi
    jmp resume

/* A periodic TSC-deadline alarm is re-armed before its handler runs, as natively: the next
 * deadline one period after the last, or after now if that has passed. Keeps registers. */
rearm_alarm:
    push %rax
    push %rcx
    push %rdx
    mov VAR(V_ALARM_PERIOD)(%rip), %rcx
    test %rcx, %rcx
    jz 2f
    rdtsc
    shl $32, %rdx
    or %rdx, %rax
    mov VAR(V_ALARM_DEADLINE)(%rip), %rdx
    add %rcx, %rdx
    cmp %rax, %rdx
    ja 1f
    lea (%rax,%rcx), %rdx
1:  mov %rdx, VAR(V_ALARM_DEADLINE)(%rip)
    mov %edx, %eax
    shr $32, %rdx
    mov $MSR_TSC_DEADLINE, %ecx
    call p_wrmsr
2:  pop %rdx
    pop %rcx
    pop %rax
    ret

/* ---- CPL3: the calls ---------------------------------------------------------------------- */

d_enable_interrupts:
    movq $1, VAR(V_VIF)(%rip)
    cmpb $0, VAR(V_PENDING_ANY)(%rip)
    jne deliver_to_caller
    ret

d_disable_interrupts:
    movq $0, VAR(V_VIF)(%rip)
    ret

d_get_interrupt_mask:
    pushfq
    pop %rax
    and $~RFLAGS_IF, %rax
    testb $1, VAR(V_VIF)(%rip)
    jz 1f
    or $RFLAGS_IF, %rax
1:  ret

d_set_interrupt_mask:
    test $RFLAGS_IF, %edi
    jnz d_enable_interrupts
    movq $0, VAR(V_VIF)(%rip)
    ret

/* The caller of a call, interrupted at its return address: a frame for it below its stack, in
 * which the deferred interrupts are delivered. The kernel resumes it like any frame. */
deliver_to_caller:
    movq $0, VAR(V_VIF)(%rip)
    mov %rax, VAR(V_SCRATCH)(%rip)
    lea -VMI_FRAME_SIZE(%rsp), %rax
    and $-16, %rax
    save_gprs %rax
    mov VAR(V_SCRATCH)(%rip), %rbx
    mov %rbx, VMI_FRAME_RAX(%rax)
    mov (%rsp), %rdx
    mov %rdx, VMI_FRAME_RIP(%rax)
    lea 8(%rsp), %rdx
    mov %rdx, VMI_FRAME_RSP(%rax)
    movq $VMI_SEL_KERNEL_CODE, VMI_FRAME_CS(%rax)
    movq $(RFLAGS_IF | 2), VMI_FRAME_RFLAGS(%rax)
    movq $VMI_SEL_KERNEL_DATA, VMI_FRAME_SS(%rax)
    mov %rax, %rsp
    mov %rax, %rdi
    jmp deliver_pending

d_halt:
    cmpb $0, VAR(V_DEPRIV)(%rip)
    jne 1f
    hlt
    ret
1:  cmpb $0, VAR(V_PENDING_ANY)(%rip)
    jne 2f
    push %r11
    lea mon_halt(%rip), %r11
    incq VAR(V_ENTRIES)(%rip)
    int3
    pop %r11
2:  testb $1, VAR(V_VIF)(%rip)
    jz 3f
    cmpb $0, VAR(V_PENDING_ANY)(%rip)
    jne deliver_to_caller
3:  ret

d_set_callbacks:
    xor %eax, %eax
    cmpq $0, 0(%rdi)
    je 1f
    cmpq $0, 8(%rdi)
    je 1f
    cmpq $0, 16(%rdi)
    je 1f
    push %rsi
    mov 0(%rdi), %rsi
    mov %rsi, VAR(V_CB_EXCEPTION)(%rip)
    mov 8(%rdi), %rsi
    mov %rsi, VAR(V_CB_INTERRUPT)(%rip)
    mov 16(%rdi), %rsi
    mov %rsi, VAR(V_CB_SYSCALL)(%rip)
    pop %rsi
    ret
1:  mov $VMI_ERR_INVALID, %eax
    ret

d_update_kernel_stack:
    mov %rdi, VAR(V_FROM_USER) + 24(%rip)
    ret

/* Page-table entries are written at CPL3, every one made user-accessible: the kernel root is
 * only ever loaded for the kernel, and the user root maps no kernel page, so which root is
 * loaded decides what is reachable. Global bits stay but do nothing: CR4.PGE is kept clear. */
d_set_pte:
d_update_pte:
    test $PTE_PRESENT, %sil
    jz 1f
    push %rsi
    or $PTE_USER, %rsi
    mov %rsi, (%rdi)
    pop %rsi
    ret
1:  mov %rsi, (%rdi)
    ret

/* A control register: the CPU's while the kernel still runs at CPL0, then the monitor's copy
 * (CR2 of the last page fault, the kernel's root, what the kernel last wrote to CR0/CR4). */
.macro control_register_read name, cr, var
\name:
    cmpb $0, VAR(V_DEPRIV)(%rip)
    jne 1f
    mov \cr, %rax
    ret
1:  mov VAR(\var)(%rip), %rax
    ret
.endm
    control_register_read d_get_cr0, %cr0, V_CR0
    control_register_read d_get_cr2, %cr2, V_CR2
    control_register_read d_get_cr3, %cr3, V_KCR3
    control_register_read d_get_cr4, %cr4, V_CR4

d_set_cr2:
    mov %rdi, VAR(V_CR2)(%rip)
    ret

d_set_cr0:
    mov %rdi, VAR(V_CR0)(%rip)
    jmp p_set_cr0

/* The kernel reads back what it wrote; the CPU gets it without PGE, whose global pages would
 * outlive a switch of roots, and without SMEP and SMAP, which would stop the monitor running
 * on, or reading, the user-accessible pages it lives in. */
d_set_cr4:
    mov %rdi, VAR(V_CR4)(%rip)
    push %rdi
    and $~(CR4_PGE | CR4_SMEP | CR4_SMAP), %rdi
    call p_set_cr4
    pop %rdi
    ret

/* The first SET_CR3 drops the kernel to CPL3 (drop); later ones load the new root. */
d_set_cr3:
    cmpb $0, VAR(V_DEPRIV)(%rip)
    je drop
    mov %rdi, VAR(V_KCR3)(%rip)
    jmp p_set_cr3

d_inval_page:
    jmp p_invlpg
d_flush_tlb:
    jmp p_flush_tlb
d_rdmsr:
    jmp p_rdmsr
d_wrmsr:
    jmp p_wrmsr
d_inb:
    jmp p_inb
d_inw:
    jmp p_inw
d_inl:
    jmp p_inl
d_outb:
    jmp p_outb
d_outw:
    jmp p_outw
d_outl:
    jmp p_outl
d_console_write:
    jmp p_console
d_shutdown:
    jmp p_shutdown
d_reboot:
    jmp p_reboot

/* CPUID from the data area; other leaves at CPL0, where the hypervisor answers them (at CPL3 a
 * host without VT-x/SVM may answer for the machine underneath, docs/testbed.md). */
d_cpuid:
    push %rsi
    push %rdi
    mov VAR(V_ROM_VIRT)(%rip), %rsi
    add $(data_area - rom_start), %rsi
    cmpl $VMI_DATA_MAGIC, VMI_DATA_MAGIC_OFF(%rsi)
    jne 5f
    mov VMI_DATA_CPUID_COUNT(%rsi), %edi
    add $VMI_DATA_CPUID, %rsi
    cpuid_find %rsi, %edi, 4f
5:  pop %rdi
    pop %rsi
    jmp p_cpuid
4:  cpuid_load %rsi
    pop %rdi
    pop %rsi
    ret

d_get_monitor_entries:
    mov VAR(V_ENTRIES)(%rip), %rax
    ret

/* The header's features are the hypervisor's: without it, only deprivileged execution. */
d_get_features:
    mov $VMI_FEATURE_DEPRIVILEGED, %eax
    cmpb $1, VAR(V_MODE)(%rip)
    jne 1f
    mov VAR(V_ROM_VIRT)(%rip), %rax
    mov VMI_HDR_FEATURES(%rax), %rax
    and $~VMI_FEATURE_PAGE_OPS, %rax /* ZERO_PAGE and COPY_PAGE stay native at CPL3 */
1:  ret

/* ---- the local APIC and the alarm: x2APIC with TSC-deadline mode ------------------------- */

/* Sets the APIC up once; CF set if this CPU lacks x2APIC or TSC-deadline mode. */
apic_setup:
    cmpb $0, VAR(V_APIC)(%rip)
    jne 2f
    push %rax
    push %rbx
    push %rcx
    push %rdx
    mov $1, %eax
    xor %ecx, %ecx
    call d_cpuid
    and $((1 << 21) | (1 << 24)), %ecx
    cmp $((1 << 21) | (1 << 24)), %ecx
    jne 1f
    mov $MSR_APIC_BASE, %ecx
    call p_rdmsr
    or $(1 << 11), %eax     /* enabled, then x2APIC: never straight from disabled */
    call p_wrmsr
    or $(1 << 10), %eax
    call p_wrmsr
    mov $MSR_X2APIC_SPURIOUS, %ecx
    mov $0x1ff, %eax
    xor %edx, %edx
    call p_wrmsr
    mov $MSR_X2APIC_LVT_TIMER, %ecx
    mov $((2 << 17) | VMI_VECTOR_ALARM), %eax
    call p_wrmsr
    mfence
    movb $1, VAR(V_APIC)(%rip)
    pop %rdx
    pop %rcx
    pop %rbx
    pop %rax
2:  clc
    ret
1:  pop %rdx
    pop %rcx
    pop %rbx
    pop %rax
    stc
    ret

/* apic_read(edi=register offset) -> eax: the x2APIC MSR of an xAPIC offset. */
d_apic_read:
    push %rcx
    push %rdx
    xor %eax, %eax
    call apic_setup
    jc 1f
    mov %edi, %ecx
    shr $4, %ecx
    add $0x800, %ecx
    call p_rdmsr
1:  pop %rdx
    pop %rcx
    ret

d_apic_write:
    push %rax
    push %rcx
    push %rdx
    call apic_setup
    jc 1f
    mov %edi, %ecx
    shr $4, %ecx
    add $0x800, %ecx
    mov %esi, %eax
    xor %edx, %edx
    call p_wrmsr
1:  pop %rdx
    pop %rcx
    pop %rax
    ret

/* Without apic_setup the kernel's native code drives the APIC (a direct ROM binds APIC_EOI
 * alone) or nothing has set it up: as the native EOI, only in x2APIC mode, where the EOI MSR
 * exists. */
d_apic_eoi:
    push %rax
    push %rcx
    push %rdx
    cmpb $0, VAR(V_APIC)(%rip)
    jne 1f
    mov $MSR_APIC_BASE, %ecx
    call p_rdmsr
    bt $10, %eax
    jnc 2f
1:  mov $MSR_X2APIC_EOI, %ecx
    xor %eax, %eax
    xor %edx, %edx
    call p_wrmsr
2:  pop %rdx
    pop %rcx
    pop %rax
    ret

/* set_alarm(edi=flags, rsi=expiry, rdx=period) -> eax=status */
d_set_alarm:
    test $~VMI_ALARM_PERIODIC, %edi
    jnz 2f
    test $VMI_ALARM_PERIODIC, %edi
    jz 1f
    test %rdx, %rdx
    jz 2f
1:  call apic_setup
    jc 3f
    push %rcx
    push %rdx
    xor %ecx, %ecx
    test $VMI_ALARM_PERIODIC, %edi
    cmovnz %rdx, %rcx
    mov %rcx, VAR(V_ALARM_PERIOD)(%rip)
    mov %rsi, VAR(V_ALARM_DEADLINE)(%rip)
    mov %rsi, %rax
    test %rax, %rax
    jnz 4f
    inc %eax                 /* 0 would disarm the timer */
4:  mov %rax, %rdx
    shr $32, %rdx
    mov $MSR_TSC_DEADLINE, %ecx
    call p_wrmsr
    pop %rdx
    pop %rcx
    xor %eax, %eax
    ret
2:  mov $VMI_ERR_INVALID, %eax
    ret
3:  mov $VMI_ERR_UNSUPPORTED, %eax
    ret

d_cancel_alarm:
    cmpb $0, VAR(V_APIC)(%rip)
    je 1f
    push %rax
    push %rcx
    push %rdx
    movq $0, VAR(V_ALARM_PERIOD)(%rip)
    mov $MSR_TSC_DEADLINE, %ecx
    xor %eax, %eax
    xor %edx, %edx
    call p_wrmsr
    pop %rdx
    pop %rcx
    pop %rax
1:  ret

/* ---- the drop to CPL3 ------------------------------------------------------------------- */

/* The first SET_CR3 (rdi = the kernel's root), at CPL0: load the root and the monitor's GDT,
 * TSS and IDT, set up SYSCALL, and iretq to post_drop at CPL3 on the caller's stack. */
drop:
    mov %rdi, VAR(V_KCR3)(%rip)
    mov %rdi, %cr3
    lgdt VAR(V_GDTR)(%rip)
    lidt VAR(V_IDTR)(%rip)
    push %rax
    push %rcx
    push %rdx
    mov $0x28, %eax
    ltr %ax
    mov $MSR_STAR, %ecx
    xor %eax, %eax
    mov $((VMI_SEL_KERNEL_DATA << 16) | VMI_SEL_KERNEL_CODE), %edx
    wrmsr
    mov $MSR_LSTAR, %ecx
    mov $(MON_LSTAR & 0xffffffff), %eax
    mov $0xffffffff, %edx
    wrmsr
    mov $MSR_FMASK, %ecx
    mov $FMASK_BITS, %eax
    xor %edx, %edx
    wrmsr
    mov $MSR_EFER, %ecx
    rdmsr
    or $1, %eax
    wrmsr
    mov %cr4, %rax
    mov %rax, VAR(V_CR4)(%rip)
    and $~(CR4_PGE | CR4_SMEP | CR4_SMAP), %rax
    mov %rax, %cr4
    mov %cr0, %rax
    mov %rax, VAR(V_CR0)(%rip)
    /* Firmware may leave the 8259A PICs delivering at vectors 8-15 (SeaBIOS's PIT at 18.2 Hz
     * would look like a #DF): remap them to 0xF0-0xFF and mask every line, as the native
     * runtime does (guest/vmi/events.cpp). */
    mov $0x11, %al
    out %al, $0x20
    out %al, $0xa0
    mov $0xf0, %al
    out %al, $0x21
    mov $0xf8, %al
    out %al, $0xa1
    mov $0x04, %al
    out %al, $0x21
    mov $0x02, %al
    out %al, $0xa1
    mov $0x01, %al
    out %al, $0x21
    out %al, $0xa1
    mov $0xff, %al
    out %al, $0x21
    out %al, $0xa1
    movb $1, VAR(V_DEPRIV)(%rip)
    pop %rdx
    pop %rcx
    pop %rax
    mov %rsp, VAR(V_SCRATCH)(%rip)
    push $VMI_SEL_USER_DATA
    pushq VAR(V_SCRATCH)(%rip)
    push $(RFLAGS_IF | 2)
    push $VMI_SEL_USER_CODE
    push %rax
    lea post_drop(%rip), %rax
    xchg %rax, (%rsp)
    iretq

/* At CPL3 now, where loops are cheap: fill both IDTs and map the monitor into the user root,
 * then return to the kernel's SET_CR3 call. */
post_drop:
    push %rax
    push %rcx
    push %rdx
    push %rsi
    push %rdi
    push %r8
    lea AT(MON_IDT_K)(%rip), %rdi
    lea stubs_kernel(%rip), %rsi
    call fill_idt
    lea AT(MON_IDT_U)(%rip), %rdi
    lea stubs_user(%rip), %rsi
    call fill_idt
    /* The monitor half of the user root: code, variables and GDT, and at the IDT's and TSS's
     * addresses the user variants. Supervisor-only. */
    xor %ecx, %ecx
1:  lea AT(0)(%rip), %rdi
    add %rcx, %rdi
    mov %rcx, %rsi
    call map_state_page
    add $0x1000, %ecx
    cmp $(MON_VARS + 0x1000), %ecx
    jne 1b
    lea AT(MON_IDT_K)(%rip), %rdi
    mov $MON_IDT_U, %esi
    call map_state_page
    lea AT(MON_TSS_K)(%rip), %rdi
    mov $MON_TSS_U, %esi
    call map_state_page
    mov $MON_LSTAR, %rdi
    xor %esi, %esi
    call map_state_page
    pop %r8
    pop %rdi
    pop %rsi
    pop %rdx
    pop %rcx
    pop %rax
    ret

/* rdi = IDT, rsi = its 256 stubs, 16 bytes apart. Interrupt gates (IF cleared on entry), DPL 3
 * for int3 and int $4, which the kernel at CPL3 (and a user) may raise. */
fill_idt:
    xor %ecx, %ecx
1:  mov %rsi, %rax
    and $0xffff, %eax
    or $(VMI_SEL_KERNEL_CODE << 16), %eax
    mov %rsi, %rdx
    shr $16, %rdx
    and $0xffff, %edx
    shl $16, %rdx
    or $0x8e00, %edx
    cmp $3, %ecx
    je 2f
    cmp $4, %ecx
    jne 3f
2:  or $0x6000, %edx
3:  shl $32, %rdx
    or %rdx, %rax
    mov %rax, (%rdi)
    mov %rsi, %rax
    shr $32, %rax
    mov %rax, 8(%rdi)
    add $16, %rdi
    add $16, %rsi
    inc %ecx
    cmp $256, %ecx
    jne 1b
    ret

/* Maps linear rdi to state offset rsi in the user root, present, writable, supervisor; tables
 * come from MON_POOL (zeroed by the kernel). Clobbers rax, rcx, rdx, r8. */
map_state_page:
    push %rcx
    lea AT(MON_UROOT)(%rip), %r8
    mov $39, %ecx
1:  mov %rdi, %rax
    shr %cl, %rax
    and $511, %eax
    lea (%r8,%rax,8), %r8
    mov (%r8), %rdx
    test $PTE_PRESENT, %dl
    jnz 2f
    mov VAR(V_POOL_NEXT)(%rip), %rdx
    addq $0x1000, VAR(V_POOL_NEXT)(%rip)
    lea AT(0)(%rip), %rax
    add %rdx, %rax
    sub VAR(V_PHYS_OFFSET)(%rip), %rax
    or $(PTE_PRESENT | PTE_WRITE), %rax
    mov %rax, (%r8)
    mov %rax, %rdx
2:  movabs $PTE_ADDRESS, %rax
    and %rax, %rdx
    add VAR(V_PHYS_OFFSET)(%rip), %rdx
    mov %rdx, %r8
    sub $9, %ecx
    cmp $12, %ecx
    jne 1b
    mov %rdi, %rax
    shr $12, %rax
    and $511, %eax
    lea AT(0)(%rip), %rdx
    add %rsi, %rdx
    sub VAR(V_PHYS_OFFSET)(%rip), %rdx
    or $(PTE_PRESENT | PTE_WRITE), %rdx
    mov %rdx, (%r8,%rax,8)
    pop %rcx
    ret

/* Calls of the including ROM's own that run from the state like the monitor's and may use
 * its privileged steps (ROM_PAYLOAD, a macro of the ROM's; optional). */
#ifdef ROM_PAYLOAD
    ROM_PAYLOAD
#endif

/* rom.ld checks that the payload fits MON_CODE_MAX. */
    .globl monitor_payload_end
monitor_payload_end:

/* ---- ROM side: init, at CPL0 from the ROM itself ---------------------------------------- */

/* rdi = struct vmi_init_args*, esi = 1 if the ROM's hypervisor is there, else 0. Sets
 * deprivileged execution up if the kernel allows it (minor 2, linear page tables,
 * MON_STATE_SIZE of page-aligned state): copies the payload and fills what the drop needs.
 * eax = 1 if so, else 0 (the ROM then binds directly). System V. */
monitor_init:
    mov %esi, %r10d
    xor %eax, %eax
    cmpw $2, VMI_INIT_ARGS_ABI_MINOR(%rdi)
    jb 1f
    testl $VMI_INIT_PAGE_TABLES_LINEAR, VMI_INIT_ARGS_FLAGS(%rdi)
    jz 1f
    cmpq $MON_STATE_SIZE, VMI_INIT_ARGS_STATE_SIZE(%rdi)
    jb 1f
    mov VMI_INIT_ARGS_STATE_VIRT(%rdi), %r8
    test $0xfff, %r8
    jnz 1f
    mov %rdi, %r9
    mov %r8, %rdi
    lea monitor_payload(%rip), %rsi
    mov $((monitor_payload_end - monitor_payload + 7) / 8), %ecx
    rep movsq
    /* r8 = state_virt; variables by their state offsets */
    mov VMI_INIT_ARGS_STATE_PHYS(%r9), %rdx
    mov %r8, %rax
    sub %rdx, %rax
    mov %rax, MON_VARS + V_PHYS_OFFSET(%r8)
    mov %r8, MON_VARS + V_STATE_VIRT(%r8)
    mov VMI_INIT_ARGS_ROM_VIRT(%r9), %rax
    mov %rax, MON_VARS + V_ROM_VIRT(%r8)
    lea MON_UROOT(%rdx), %rax
    mov %rax, MON_VARS + V_UCR3(%r8)
    movq $MON_POOL, MON_VARS + V_POOL_NEXT(%r8)
    lea (syscall_user - monitor_payload)(%r8), %rax
    mov %rax, (syscall_target - monitor_payload)(%r8)
    /* iretq frames into the dispatchers (the user one's rsp: UPDATE_KERNEL_STACK) */
    lea (dispatch_user - monitor_payload)(%r8), %rax
    mov %rax, MON_VARS + V_FROM_USER(%r8)
    movq $VMI_SEL_USER_CODE, MON_VARS + V_FROM_USER + 8(%r8)
    movq $(RFLAGS_IF | 2), MON_VARS + V_FROM_USER + 16(%r8)
    movq $VMI_SEL_USER_DATA, MON_VARS + V_FROM_USER + 32(%r8)
    lea (dispatch_kernel - monitor_payload)(%r8), %rax
    mov %rax, MON_VARS + V_FROM_KERNEL(%r8)
    movq $VMI_SEL_USER_CODE, MON_VARS + V_FROM_KERNEL + 8(%r8)
    movq $(RFLAGS_IF | 2), MON_VARS + V_FROM_KERNEL + 16(%r8)
    lea MON_SLOT(%r8), %rax
    mov %rax, MON_VARS + V_FROM_KERNEL + 24(%r8)
    movq $VMI_SEL_USER_DATA, MON_VARS + V_FROM_KERNEL + 32(%r8)
    /* GDT: null, kernel code and data, user data and code (the kernel at CPL3 uses these
     * too), the TSS (SDM vol. 3A §3.4.5, §7.2.3) */
    mov $0x00af9b000000ffff, %rax
    mov %rax, MON_GDT + 0x08(%r8)
    mov $0x00cf93000000ffff, %rax
    mov %rax, MON_GDT + 0x10(%r8)
    mov $0x00cff3000000ffff, %rax
    mov %rax, MON_GDT + 0x18(%r8)
    mov $0x00affb000000ffff, %rax
    mov %rax, MON_GDT + 0x20(%r8)
    lea MON_TSS_K(%r8), %rcx
    mov %rcx, %rax
    and $0xffffff, %eax
    shl $16, %rax
    or $0x67, %rax                      /* limit */
    bts $47, %rax                       /* present */
    mov $0x89, %edx
    shl $40, %rdx
    or %rdx, %rax                       /* available 64-bit TSS */
    mov %rcx, %rdx
    shr $24, %rdx
    and $0xff, %edx
    shl $56, %rdx
    or %rdx, %rax
    mov %rax, MON_GDT + 0x28(%r8)
    mov %rcx, %rax
    shr $32, %rax
    mov %rax, MON_GDT + 0x30(%r8)
    movw $0x37, MON_VARS + V_GDTR(%r8)
    lea MON_GDT(%r8), %rax
    mov %rax, MON_VARS + V_GDTR + 2(%r8)
    movw $0xfff, MON_VARS + V_IDTR(%r8)
    lea MON_IDT_K(%r8), %rax
    mov %rax, MON_VARS + V_IDTR + 2(%r8)
    /* Both TSSs: RSP0 at the top of the page at MON_TSS_K's address; no I/O bitmap */
    lea (MON_TSS_K + 0x1000)(%r8), %rax
    mov %rax, MON_TSS_K + 4(%r8)
    mov %rax, MON_TSS_U + 4(%r8)
    movw $104, MON_TSS_K + 102(%r8)
    movw $104, MON_TSS_U + 102(%r8)
    mov $2, %eax
    sub %r10d, %eax
    mov %al, MON_VARS + V_MODE(%r8)
    mov $1, %eax
1:  ret

/* Whether init set deprivileged execution up: rsi = struct vmi_init_args* (the kernel's
 * reloc_args call). eax = 0 if not, else the mode (V_MODE). Keeps rdi. */
monitor_active:
    xor %eax, %eax
    cmpw $2, VMI_INIT_ARGS_ABI_MINOR(%rsi)
    jb 1f
    cmpq $MON_STATE_SIZE, VMI_INIT_ARGS_STATE_SIZE(%rsi)
    jb 1f
    mov VMI_INIT_ARGS_STATE_VIRT(%rsi), %rdx
    cmp %rdx, MON_VARS + V_STATE_VIRT(%rdx)
    jne 1f
    movzbl MON_VARS + V_MODE(%rdx), %eax
1:  ret

/* CF clear if the CPU has x2APIC and TSC-deadline mode (CPUID.1:ECX bits 21 and 24), which the
 * monitor's own alarm needs. At boot, at CPL0. Keeps every register but rax and flags. */
monitor_has_x2apic_deadline:
    push %rbx
    push %rcx
    push %rdx
    mov $1, %eax
    xor %ecx, %ecx
    cpuid
    and $((1 << 21) | (1 << 24)), %ecx
    cmp $((1 << 21) | (1 << 24)), %ecx
    pop %rdx
    pop %rcx
    pop %rbx
    je 1f
    stc
    ret
1:  clc
    ret

/* For the ROM's deprivileged binding tables, one byte per call: descriptor-table and
 * page-pinning calls have nothing to do under the monitor. A ROM sets dtype_<call> for the
 * other calls it decides (dtype_ symbols must precede the table that reads them) and builds
 * each table with MON_DEPRIVILEGED_TYPE: dtype_ if set, else CALL_STATE for a d_ entry of the
 * payload, else 0 (native). */
    .set dtype_load_gdt, VMI_RELOC_NOP
    .set dtype_load_idt, VMI_RELOC_NOP
    .set dtype_load_tr, VMI_RELOC_NOP
    .set dtype_write_gdt_entry, VMI_RELOC_NOP
    .set dtype_write_idt_entry, VMI_RELOC_NOP
    .set dtype_allocate_page, VMI_RELOC_NOP
    .set dtype_release_page, VMI_RELOC_NOP
    .set dtype_set_lazy_mode, VMI_RELOC_NOP
#define MON_DEPRIVILEGED_TYPE(number, NAME, name, sig) .ifdef dtype_##name; \
    .byte dtype_##name; .else; .ifdef d_##name; .byte VMI_RELOC_CALL_STATE; .else; .byte 0; \
    .endif; .endif;
