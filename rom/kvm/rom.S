/* vmi-kvm: a VMI-64 ROM for stock KVM (docs/rom-kvm.md), on KVM's documented paravirtual
 * interface only (Linux Documentation/virt/kvm/x86/cpuid.rst and msr.rst): kvmclock, the wall
 * clock, steal time and PV EOI, all MSRs and shared memory, no hypercall. Where KVM emulates
 * guest kernel mode it also runs the kernel at CPL3 under the monitor of rom/common (spec §12).
 *
 * The shared memory is per vCPU and must be guest-physical, so it lives in the state the kernel
 * gives init (ABI 1.2), and so do the calls that read it: they are part of the monitor's
 * payload (ROM_PAYLOAD) and bound with VMI_RELOC_CALL_STATE, in both modes. */

#include <vmi/vmi.h>
#include "../common/monitor_layout.h"

/* Built twice: kvm.rom chooses the mode at init; kvm-direct.rom always binds directly. */
#ifdef VMI_ROM_KVM_DIRECT
#define ROM_NAME "vmi-kvm-direct"
#define ROM_FEATURES 0
#else
#define ROM_NAME "vmi-kvm"
#define ROM_FEATURES VMI_FEATURE_DEPRIVILEGED
#endif
#define ROM_MAX_STACK 96 /* the monitor's first APIC_READ */
#define ROM_VERSION_MAJOR 1
#define ROM_VERSION_MINOR 0
#define ROM_STATE_SIZE MON_STATE_SIZE
/* No ROM_DATA_AREA_SIZE: KVM fills no data area. */

#define KVM_SIGNATURE_EBX 0x4b4d564b /* "KVMKVMKVM\0\0\0" */
#define KVM_SIGNATURE_ECX 0x564b4d56
#define KVM_SIGNATURE_EDX 0x0000004d
#define KVM_FEATURE_CLOCKSOURCE2 (1 << 3)
#define KVM_FEATURE_STEAL_TIME (1 << 5)
#define KVM_FEATURE_PV_EOI (1 << 6)
#define MSR_KVM_WALL_CLOCK_NEW 0x4b564d00
#define MSR_KVM_SYSTEM_TIME_NEW 0x4b564d01
#define MSR_KVM_STEAL_TIME 0x4b564d03
#define MSR_KVM_PV_EOI_EN 0x4b564d04
#define KVM_MSR_ENABLED 1

/* The ROM's variables, offsets from MON_ROM_VARS of the state; what KVM writes comes first,
 * in KVM's layouts. */
#define K_STEAL_NS 0x00         /* struct kvm_steal_time (64 bytes, 64-aligned): u64 steal ns */
#define K_STEAL_VERSION 0x08    /* u32, odd while KVM updates */
#define K_PVTI_VERSION 0x40     /* struct pvclock_vcpu_time_info (32 bytes) */
#define K_PVTI_TSC 0x48         /* tsc_timestamp */
#define K_PVTI_SYSTEM_TIME 0x50 /* ns at tsc_timestamp */
#define K_PVTI_MUL 0x58         /* tsc_to_system_mul */
#define K_PVTI_SHIFT 0x5c       /* tsc_shift, signed byte */
#define K_WALL_VERSION 0x60     /* struct pvclock_wall_clock: u32 version, sec, nsec */
#define K_WALL_SEC 0x64
#define K_WALL_NSEC 0x68
#define K_EOI 0x70       /* PV EOI word: bit 0 set by KVM when the interrupt needs no EOI */
#define K_CYCLE_HZ 0x78  /* TSC Hz from kvmclock */
#define K_WALL_BASE 0x80 /* UTC ns at kvmclock 0 */
#define K_FEATURES 0x88  /* what GET_FEATURES returns */
#define K_HAVE 0x90      /* byte: HAVE_* as init found them */
#define K_END 0x98
#define HAVE_INIT 1
#define HAVE_CLOCK 2
#define HAVE_STEAL 4
#define HAVE_EOI 8

/* Kernel mode counts as emulated when the fastest of four 16-iteration dec/jnz loops (32
 * instructions) takes more than this many TSC cycles: under 100 on hardware and with VT-x/SVM,
 * 24,000 or more where KVM emulates CPL0 (docs/testbed.md). */
#define EMULATED_LOOP 16
#define EMULATED_CYCLES 8000

    .section .rom, "awx"
    .code64
#include "../common/header.S"

/* uint32_t init(struct vmi_init_args*), System V, at CPL0. Needs a 1.2 kernel: the calls find
 * their variables only from the state. */
rom_init:
    mov $VMI_ERR_VERSION, %eax
    cmpw $VMI_ABI_MAJOR, VMI_INIT_ARGS_ABI_MAJOR(%rdi)
    jne 1f
    cmpw $2, VMI_INIT_ARGS_ABI_MINOR(%rdi)
    jae kvm_init
1:  ret

/* Hands KVM the guest-physical address of the ROM variable `var` (r9: the variables' physical
 * base) through `msr`, enabled. Clobbers rax, rcx, rdx. */
.macro kvm_msr_enable msr, var
    lea \var(%r9), %rax
    or $KVM_MSR_ENABLED, %eax
    mov $\msr, %ecx
    call wrmsr_rax
.endm

kvm_init:
    push %rbx
    push %r12
    mov %rdi, %r12
    call kvm_features
    jc 8f
    mov %eax, %ebx
    cmpq $(MON_ROM_VARS + K_END), VMI_INIT_ARGS_STATE_SIZE(%r12)
    jb 9f
    testq $0xfff, VMI_INIT_ARGS_STATE_VIRT(%r12)
    jnz 9f
    testq $0x3f, VMI_INIT_ARGS_STATE_PHYS(%r12)
    jnz 9f
    xor %r11d, %r11d
#ifndef VMI_ROM_KVM_DIRECT
    call kernel_mode_emulated
    jnc 1f
    /* Console, power and the CMOS clock stay native under the monitor: KVM has no
     * paravirtual form of them without a hypercall. */
    mov %r12, %rdi
    xor %esi, %esi
    call monitor_init
    mov $VMI_FEATURE_DEPRIVILEGED, %r11d
    test %eax, %eax
    jnz 2f
    xor %r11d, %r11d
1:
#endif
    /* Direct: the payload runs from the state all the same, its privileged steps in place. */
    mov VMI_INIT_ARGS_STATE_VIRT(%r12), %rdi
    lea monitor_payload(%rip), %rsi
    mov $((monitor_payload_end - monitor_payload + 7) / 8), %ecx
    rep movsq
2:  mov VMI_INIT_ARGS_STATE_VIRT(%r12), %r8
    mov VMI_INIT_ARGS_STATE_PHYS(%r12), %r9
    add $MON_ROM_VARS, %r8
    add $MON_ROM_VARS, %r9
    mov %r11, K_FEATURES(%r8)
    movb $HAVE_INIT, K_HAVE(%r8)
    test $KVM_FEATURE_CLOCKSOURCE2, %ebx
    jz 6f
    kvm_msr_enable MSR_KVM_SYSTEM_TIME_NEW, K_PVTI_VERSION
    lea K_WALL_VERSION(%r9), %rax
    mov $MSR_KVM_WALL_CLOCK_NEW, %ecx
    call wrmsr_rax
    /* TSC Hz = 10^9 * 2^32 / mul, shifted back by tsc_shift, to the kHz KVM keeps it in */
    mov K_PVTI_MUL(%r8), %ecx
    test %ecx, %ecx
    jz 6f
    movabs $(1000000000 << 32), %rax
    xor %edx, %edx
    div %rcx
    movsbl K_PVTI_SHIFT(%r8), %ecx
    test %ecx, %ecx
    js 3f
    shr %cl, %rax
    jmp 4f
3:  neg %ecx
    shl %cl, %rax
4:  add $500, %rax
    mov $1000, %ecx
    xor %edx, %edx
    div %rcx
    imul $1000, %rax, %rax
    mov %rax, K_CYCLE_HZ(%r8)
    mov K_WALL_SEC(%r8), %eax
    imul $1000000000, %rax, %rax
    mov K_WALL_NSEC(%r8), %ecx
    add %rcx, %rax
    mov %rax, K_WALL_BASE(%r8)
    orq $(VMI_FEATURE_CYCLE_FREQUENCY | VMI_FEATURE_WALLCLOCK), K_FEATURES(%r8)
    orb $HAVE_CLOCK, K_HAVE(%r8)
    test $KVM_FEATURE_STEAL_TIME, %ebx
    jz 6f
    kvm_msr_enable MSR_KVM_STEAL_TIME, K_STEAL_NS
    orb $HAVE_STEAL, K_HAVE(%r8)
6:  /* PV EOI falls back to the monitor's x2APIC EOI, as the kernel's own EOI would be */
    test $KVM_FEATURE_PV_EOI, %ebx
    jz 7f
    call monitor_has_x2apic_deadline
    jc 7f
    kvm_msr_enable MSR_KVM_PV_EOI_EN, K_EOI
    orb $HAVE_EOI, K_HAVE(%r8)
7:  xor %eax, %eax
    pop %r12
    pop %rbx
    ret
8:  mov $VMI_ERR_NO_HYPERVISOR, %eax
    pop %r12
    pop %rbx
    ret
9:  mov $VMI_ERR_UNSUPPORTED, %eax
    pop %r12
    pop %rbx
    ret

/* wrmsr of ecx with rax, at init. */
wrmsr_rax:
    mov %rax, %rdx
    shr $32, %rdx
    wrmsr
    ret

/* eax = KVM's feature bits (CPUID base + 1, eax), CF set if KVM is absent: its signature at
 * 0x40000000 or a later 0x100 step (a hypervisor may offer KVM's leaves above its own).
 * Clobbers rbx, rcx, rdx, rsi. */
kvm_features:
    mov $1, %eax
    xor %ecx, %ecx
    cpuid
    bt $31, %ecx                     /* hypervisor present */
    jnc 3f
    mov $0x40000000, %esi
1:  mov %esi, %eax
    xor %ecx, %ecx
    cpuid
    cmp $KVM_SIGNATURE_EBX, %ebx
    jne 2f
    cmp $KVM_SIGNATURE_ECX, %ecx
    jne 2f
    cmp $KVM_SIGNATURE_EDX, %edx
    jne 2f
    lea 1(%rsi), %eax
    xor %ecx, %ecx
    cpuid
    clc
    ret
2:  add $0x100, %esi
    cmp $0x40010000, %esi
    jb 1b
3:  stc
    ret

#ifndef VMI_ROM_KVM_DIRECT
/* CF set if kernel mode is emulated (EMULATED_CYCLES above). Clobbers rax, rcx, rdx, r8-r10. */
kernel_mode_emulated:
    mov $4, %r8d
    mov $-1, %r9
1:  rdtsc
    shl $32, %rdx
    or %rdx, %rax
    mov %rax, %r10
    mov $EMULATED_LOOP, %ecx
2:  dec %ecx
    jnz 2b
    rdtsc
    shl $32, %rdx
    or %rdx, %rax
    sub %r10, %rax
    cmp %r9, %rax
    cmovb %rax, %r9
    dec %r8d
    jnz 1b
    mov $EMULATED_CYCLES, %eax
    cmp %r9, %rax
    ret
#endif

/* reloc for a kernel that does not pass the init arguments: never reached, init refuses such
 * kernels. */
rom_reloc:
    xor %eax, %eax
    ret

/* reloc(edi=call, rsi=init args): KVM's calls where init found what they need, then the
 * monitor's answers if init set it up, else native. */
rom_reloc_args:
    xor %eax, %eax
    cmp $VMI_CALL_COUNT, %edi
    jae 3f
    mov VMI_INIT_ARGS_STATE_VIRT(%rsi), %rdx
    mov %edi, %ecx
    lea kvm_needs(%rip), %r8
    movzbl (%r8,%rcx), %ecx
    test %ecx, %ecx
    jz 1f
    mov %ecx, %eax
    and MON_ROM_VARS + K_HAVE(%rdx), %al
    cmp %ecx, %eax
    mov $VMI_RELOC_CALL_STATE, %eax
    je 3f
1:  call monitor_active
    test %eax, %eax
    jz 3f
    lea deprivileged_types(%rip), %rdx
    call monitor_has_x2apic_deadline
    jnc 2f
    lea deprivileged_xapic_types(%rip), %rdx
2:  mov %edi, %eax
    movzbl (%rdx,%rax), %eax
3:  ret

/* The calls KVM serves, in the payload (they run from the state, addressing the variables
 * RIP-relatively). Each keeps the register contract of docs/spec.md §5. */
#define KVAR(v) (monitor_payload + MON_ROM_VARS + (v))
.macro kvm_payload
kvm_get_cycle_frequency:
    mov KVAR(K_CYCLE_HZ)(%rip), %rax
    ret

kvm_get_features:
    mov KVAR(K_FEATURES)(%rip), %rax
    ret

/* UTC ns = wall clock at kvmclock 0 + kvmclock now, where kvmclock = system_time +
 * ((tsc - tsc_timestamp) shifted by tsc_shift) * mul >> 32, read again while KVM updates it. */
kvm_get_wallclock_time:
    push %rcx
    push %rdx
    push %rsi
1:  mov KVAR(K_PVTI_VERSION)(%rip), %esi
    rdtsc
    shl $32, %rdx
    or %rdx, %rax
    sub KVAR(K_PVTI_TSC)(%rip), %rax
    movsbl KVAR(K_PVTI_SHIFT)(%rip), %ecx
    test %ecx, %ecx
    js 2f
    shl %cl, %rax
    jmp 3f
2:  neg %ecx
    shr %cl, %rax
3:  mov KVAR(K_PVTI_MUL)(%rip), %ecx
    mul %rcx
    shrd $32, %rdx, %rax
    add KVAR(K_PVTI_SYSTEM_TIME)(%rip), %rax
    test $1, %esi
    jnz 1b
    cmp KVAR(K_PVTI_VERSION)(%rip), %esi
    jne 1b
    add KVAR(K_WALL_BASE)(%rip), %rax
    pop %rsi
    pop %rdx
    pop %rcx
    ret

/* get_cycle_counter(edi=kind) -> rax, rdx clobbered: the TSC; steal time (ns) in TSC cycles
 * for STOLEN, and subtracted for AVAILABLE. Other kinds count as REAL, as natively. */
kvm_get_cycle_counter:
    cmp $VMI_CYCLES_AVAILABLE, %edi
    je 1f
    cmp $VMI_CYCLES_STOLEN, %edi
    je 1f
    rdtsc
    shl $32, %rdx
    or %rdx, %rax
    ret
1:  push %rcx
2:  mov KVAR(K_STEAL_VERSION)(%rip), %ecx
    mov KVAR(K_STEAL_NS)(%rip), %rax
    test $1, %ecx
    jnz 2b
    cmp KVAR(K_STEAL_VERSION)(%rip), %ecx
    jne 2b
    mulq KVAR(K_CYCLE_HZ)(%rip)
    divq kvm_ns_per_second(%rip)
    cmp $VMI_CYCLES_STOLEN, %edi
    je 3f
    mov %rax, %rcx
    rdtsc
    shl $32, %rdx
    or %rdx, %rax
    sub %rcx, %rax
3:  pop %rcx
    ret

/* The bit set: KVM ends the interrupt itself; clear: the real EOI (the monitor's, which in
 * place or through int3 writes the x2APIC EOI register). */
kvm_apic_eoi:
    btrl $0, KVAR(K_EOI)(%rip)
    jnc d_apic_eoi
    ret

    .balign 8
kvm_ns_per_second:
    .quad 1000000000
.endm
#define ROM_PAYLOAD kvm_payload

/* console_write(rdi=buffer, rsi=length) as the native UART code does it (COM1, poll LSR.THRE
 * before each byte), but the whole buffer in one monitor entry at CPL0: at CPL3 each port
 * access of the native loop would enter the monitor once. */
#define COM1 0x3f8
#define COM1_LSR (COM1 + 5)
#define LSR_THR_EMPTY 0x20
.macro ROM_PRIVILEGED_CONSOLE
    push %rax
    push %rdx
    push %rsi
    push %rdi
1:  test %rsi, %rsi
    jz 3f
    mov $COM1_LSR, %edx
2:  in %dx, %al
    test $LSR_THR_EMPTY, %al
    jz 2b
    mov $COM1, %edx
    mov (%rdi), %al
    out %al, %dx
    inc %rdi
    dec %rsi
    jmp 1b
3:  pop %rdi
    pop %rsi
    pop %rdx
    pop %rax
.endm
/* Power stays native on KVM (reloc_args never binds the monitor's entries for it): its one
 * port write enters the monitor once either way. These steps are never taken. */
.macro ROM_PRIVILEGED_SHUTDOWN
    ud2
.endm
.macro ROM_PRIVILEGED_REBOOT
    ud2
.endm

#include "../common/monitor.S"

/* Deprivileged: calls with a d_ entry in the monitor run there (the console as above);
 * descriptor-table and page-pinning calls have nothing to do (monitor.S); clock and power stay
 * native (their port I/O and MSR accesses trap into the monitor, which carries them out), the
 * clock calls unless kvmclock serves them. Where the CPU lacks x2APIC or TSC-deadline mode, the
 * APIC and the alarm stay native too (the kernel drives the xAPIC page it maps itself). */
    .set dtype_shutdown, VMI_RELOC_NATIVE
    .set dtype_reboot, VMI_RELOC_NATIVE
/* gas sees the .set lines above each table only, which is what tells the two tables apart. */
deprivileged_types:
    VMI_CALLS(MON_DEPRIVILEGED_TYPE)
    .set dtype_apic_read, VMI_RELOC_NATIVE
    .set dtype_apic_write, VMI_RELOC_NATIVE
    .set dtype_apic_eoi, VMI_RELOC_NATIVE
    .set dtype_set_alarm, VMI_RELOC_NATIVE
    .set dtype_cancel_alarm, VMI_RELOC_NATIVE
deprivileged_xapic_types:
    VMI_CALLS(MON_DEPRIVILEGED_TYPE)

/* What each KVM call needs of init (HAVE_*); 0: not one of them. */
    .set kneed_get_features, HAVE_INIT
    .set kneed_get_cycle_frequency, HAVE_CLOCK
    .set kneed_get_wallclock_time, HAVE_CLOCK
    .set kneed_get_cycle_counter, HAVE_STEAL
    .set kneed_apic_eoi, HAVE_EOI
kvm_needs:
#define X(number, NAME, name, sig) .ifdef kneed_##name; .byte kneed_##name; .else; .byte 0; \
    .endif;
    VMI_CALLS(X)
#undef X

/* Offsets into the state (the payload is copied to its start): KVM's entries, else the
 * monitor's. */
    .balign 4
state_table:
#define X(number, NAME, name, sig) .ifdef kvm_##name; .long kvm_##name - monitor_payload; \
    .else; .ifdef d_##name; .long d_##name - monitor_payload; .else; .long 0; .endif; .endif;
    VMI_CALLS(X)
#undef X

/* Nothing runs from the image itself. */
    .balign 4
call_table:
    .fill VMI_CALL_COUNT, 4, 0

/* No data area: the monitor's CPUID finds no magic here and asks KVM at CPL0. */
    .balign 8
data_area:
    .long 0
