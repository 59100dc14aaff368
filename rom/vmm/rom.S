/* vmi-vmm: the VMI-64 ROM of our hypervisor (docs/spec.md, docs/rom-vmm.md). Position
 * independent by construction: every reference is RIP-relative or a difference of labels.
 * Calls run at the kernel's privilege with its stack and must keep the register contract of
 * docs/spec.md §5, so every entry is written to touch as few registers as it can. On a host
 * without hardware virtualization each guest kernel-mode instruction is emulated: short beats
 * clever here. */

#include <vmi/vmi.h>
#include "hypercall_ports.h"
#include "../common/cpuid_answers.h"

/* Built twice: vmm.rom binds the kernel's calls directly; with VMI_ROM_DEPRIVILEGED,
 * vmm-deprivileged.rom also carries the monitor (rom/common/monitor.S) and, for a kernel that
 * allows it (ABI 1.2), runs the kernel at CPL3 (docs/monitor.md). */
#ifdef VMI_ROM_DEPRIVILEGED
#define ROM_NAME "vmi-vmm-deprivileged"
#define ROM_CAN_DEPRIVILEGE VMI_FEATURE_DEPRIVILEGED
#define ROM_STATE_SIZE MON_STATE_SIZE
#define ROM_MAX_STACK 96 /* the monitor's deepest call: its first APIC_READ sets the APIC up */
#include "../common/monitor_layout.h"
#else
#define ROM_NAME "vmi-vmm"
#define ROM_CAN_DEPRIVILEGE 0
#define ROM_MAX_STACK 40 /* return address + four pushes */
#endif

/* Always provided; GET_FEATURES adds CPUID_CACHE when the VMM cached CPUID leaves. */
#define ROM_FEATURES (VMI_FEATURE_CONSOLE | VMI_FEATURE_CYCLE_FREQUENCY | VMI_FEATURE_WALLCLOCK | \
                      VMI_FEATURE_POWER | VMI_FEATURE_PAGE_OPS | ROM_CAN_DEPRIVILEGE)
#define ROM_VERSION_MAJOR 1
#define ROM_VERSION_MINOR 1
#define ROM_DATA_AREA_SIZE VMI_DATA_AREA_SIZE

/* How each call is bound (docs/rom-vmm.md explains each choice); the rest stay native. */
    .set reloc_cpuid, VMI_RELOC_CALL
    .set reloc_get_cycle_frequency, VMI_RELOC_CALL
    .set reloc_get_wallclock_time, VMI_RELOC_CALL
    .set reloc_console_write, VMI_RELOC_CALL
    .set reloc_shutdown, VMI_RELOC_CALL
    .set reloc_reboot, VMI_RELOC_CALL
    .set reloc_get_features, VMI_RELOC_CALL
    .set reloc_allocate_page, VMI_RELOC_NOP
    .set reloc_release_page, VMI_RELOC_NOP
    .set reloc_set_lazy_mode, VMI_RELOC_NOP
    .set reloc_zero_page, VMI_RELOC_CALL
    .set reloc_copy_page, VMI_RELOC_CALL

    .section .rom, "awx"
    .code64
#include "../common/header.S"

/* uint32_t init(struct vmi_init_args*), System V. Succeeds only under our VMM: the probe port
 * answers the magic and the VMM has filled the data area. */
rom_init:
    cmpw $VMI_ABI_MAJOR, VMI_INIT_ARGS_ABI_MAJOR(%rdi)
    jne 1f
    mov $VMM_HC_PORT_PROBE, %edx
    in %dx, %eax
    cmp $VMM_HC_MAGIC, %eax
    jne 2f
    cmpl $VMI_DATA_MAGIC, data_area + VMI_DATA_MAGIC_OFF(%rip)
    jne 2f
#ifdef VMI_ROM_DEPRIVILEGED
    mov $1, %esi
    call monitor_init
#endif
    xor %eax, %eax
    ret
1:  mov $VMI_ERR_VERSION, %eax
    ret
2:
#ifdef VMI_ROM_DEPRIVILEGED
    /* Without our VMM the monitor still runs the kernel at CPL3, with the kernel's own native
     * console, clock and timer code for everything a hypervisor would have offered. */
    xor %esi, %esi
    call monitor_init
    test %eax, %eax
    jz 3f
    xor %eax, %eax
    ret
3:
#endif
    mov $VMI_ERR_NO_HYPERVISOR, %eax
    ret

/* uint32_t reloc(uint32_t call), System V. CPUID is bound only if the VMM cached leaves: it
 * does so where an exit costs more than the ROM's lookup (see docs/rom-vmm.md). */
rom_reloc:
    xor %eax, %eax
    cmp $VMI_CALL_COUNT, %edi
    jae 1f
    cmp $VMI_CALL_CPUID, %edi
    jne 2f
    cmpl $0, data_area + VMI_DATA_CPUID_COUNT(%rip)
    je 1f
2:  mov %edi, %eax
    lea reloc_types(%rip), %rdx
    movzbl (%rdx,%rax), %eax
1:  ret

/* CPUID from the data area; leaves the VMM did not cache execute the instruction. */
rom_cpuid:
    push %rsi
    lea data_area + VMI_DATA_CPUID(%rip), %rsi
    mov data_area + VMI_DATA_CPUID_COUNT(%rip), %ebx
    cpuid_find %rsi, %ebx, 4f
    pop %rsi
    cpuid
    ret
4:  cpuid_load %rsi
    pop %rsi
    ret

rom_get_cycle_frequency:
    mov data_area + VMI_DATA_CYCLE_HZ(%rip), %rax
    ret

/* ns = boot_wallclock + (tsc - boot_cycles) * mul >> shift; rdx is the only other register
 * touched and it is saved. */
rom_get_wallclock_time:
    push %rdx
    push %rcx
    rdtsc
    shl $32, %rdx
    or %rdx, %rax
    sub data_area + VMI_DATA_BOOT_CYCLES(%rip), %rax
    mov data_area + VMI_DATA_WALLCLOCK_MUL(%rip), %ecx
    mul %rcx
    mov data_area + VMI_DATA_WALLCLOCK_SHIFT(%rip), %ecx
    shrd %cl, %rdx, %rax
    add data_area + VMI_DATA_BOOT_WALLCLOCK(%rip), %rax
    pop %rcx
    pop %rdx
    ret

/* console_write(rdi=buffer, rsi=length): one exit for the whole buffer; the VMM's status is
 * dropped (CONSOLE_WRITE returns nothing). */
.macro console_hypercall
    push %rax
    push %rdx
    mov $VMM_HC_PORT_CONSOLE, %edx
    in %dx, %eax
    pop %rdx
    pop %rax
.endm
rom_console_write:
    console_hypercall
    ret

/* zero_page(rdi=page, rsi=physical): the VMM clears the frame at host speed, one exit instead
 * of 512 emulated stores; should it refuse, the page is cleared here. */
rom_zero_page:
    push %rax
    push %rdx
    mov $VMM_HC_PORT_ZERO_PAGE, %edx
    in %dx, %eax
    test %eax, %eax
    pop %rdx
    jnz 1f
    pop %rax
    ret
1:  push %rcx
    push %rdi
    xor %eax, %eax
    mov $512, %ecx
    rep stosq
    pop %rdi
    pop %rcx
    pop %rax
    ret

/* copy_page(rdi=dst, rsi=src, rdx=dst physical, rcx=src physical): dx carries the port, so
 * the destination travels in r8. */
rom_copy_page:
    push %rax
    push %rdx
    push %r8
    mov %rdx, %r8
    mov $VMM_HC_PORT_COPY_PAGE, %edx
    in %dx, %eax
    pop %r8
    pop %rdx
    test %eax, %eax
    jnz 1f
    pop %rax
    ret
1:  push %rcx
    push %rsi
    push %rdi
    mov $512, %ecx
    rep movsq
    pop %rdi
    pop %rsi
    pop %rcx
    pop %rax
    ret

rom_shutdown:
    mov %edi, %eax
    mov $VMM_HC_PORT_SHUTDOWN, %edx
    out %eax, %dx
1:  cli
    hlt
    jmp 1b

rom_reboot:
    mov $VMM_HC_PORT_REBOOT, %edx
    out %eax, %dx
1:  cli
    hlt
    jmp 1b

/* Bound directly, the kernel does not run deprivileged whatever the header offers. */
rom_get_features:
    mov rom_start + VMI_HDR_FEATURES(%rip), %rax
    and $~VMI_FEATURE_DEPRIVILEGED, %rax
    cmpl $0, data_area + VMI_DATA_CPUID_COUNT(%rip)
    je 1f
    or $VMI_FEATURE_CPUID_CACHE, %rax
1:  ret

#ifdef VMI_ROM_DEPRIVILEGED
/* What the monitor needs at CPL0 for the console and power: this VMM's hypercalls. */
.macro ROM_PRIVILEGED_CONSOLE
    console_hypercall
.endm
.macro ROM_PRIVILEGED_SHUTDOWN
    mov %edi, %eax
    mov $VMM_HC_PORT_SHUTDOWN, %edx
    out %eax, %dx
2:  cli
    hlt
    jmp 2b
.endm
.macro ROM_PRIVILEGED_REBOOT
    mov $VMM_HC_PORT_REBOOT, %edx
    out %eax, %dx
2:  cli
    hlt
    jmp 2b
.endm

#include "../common/monitor.S"

/* reloc(edi=call, rsi=init args) of a 1.2 kernel: the monitor's answers if init set it up,
 * those for a machine without our VMM if it found none. */
rom_reloc_args:
    call monitor_active
    test %eax, %eax
    jz rom_reloc
    lea deprivileged_types(%rip), %rdx
    cmp $2, %eax
    jne 1f
    lea standalone_types(%rip), %rdx
    call monitor_has_x2apic_deadline
    jnc 1f
    lea standalone_xapic_types(%rip), %rdx
1:  xor %eax, %eax
    cmp $VMI_CALL_COUNT, %edi
    jae 2f
    mov %edi, %eax
    movzbl (%rdx,%rax), %eax
2:  ret

/* Deprivileged: calls with a d_ entry in the monitor run there; time stays in the ROM (rdtsc
 * and the data area work at CPL3); page fills and the cycle counter stay native (unprivileged
 * instructions); descriptor-table and page-pinning calls have nothing to do (monitor.S). */
    .set dtype_get_cycle_frequency, VMI_RELOC_CALL
    .set dtype_get_wallclock_time, VMI_RELOC_CALL
deprivileged_types:
    VMI_CALLS(MON_DEPRIVILEGED_TYPE)

/* Without our VMM: console, clock and power stay native; their port I/O and MSR accesses trap
 * into the monitor, which carries them out (monitor.S, emulate_gp). So do the APIC and the
 * alarm where the CPU lacks x2APIC or TSC-deadline mode: the kernel's native code then drives
 * the xAPIC page, which it maps itself. */
    .set stype_console_write, VMI_RELOC_NATIVE
    .set stype_get_cycle_frequency, VMI_RELOC_NATIVE
    .set stype_get_wallclock_time, VMI_RELOC_NATIVE
    .set stype_shutdown, VMI_RELOC_NATIVE
    .set stype_reboot, VMI_RELOC_NATIVE
/* One byte per call: stype_ if set, else as deprivileged_types; gas sees the .set lines above
 * the table only, which is what tells the two standalone tables apart. */
#define STANDALONE_TYPE(number, NAME, name, sig) .ifdef stype_##name; .byte stype_##name; \
    .else; MON_DEPRIVILEGED_TYPE(number, NAME, name, sig) .endif;
standalone_types:
    VMI_CALLS(STANDALONE_TYPE)
    .set stype_apic_read, VMI_RELOC_NATIVE
    .set stype_apic_write, VMI_RELOC_NATIVE
    .set stype_apic_eoi, VMI_RELOC_NATIVE
    .set stype_set_alarm, VMI_RELOC_NATIVE
    .set stype_cancel_alarm, VMI_RELOC_NATIVE
standalone_xapic_types:
    VMI_CALLS(STANDALONE_TYPE)
#undef STANDALONE_TYPE

    .balign 4
state_table:
#define X(number, NAME, name, sig) .ifdef d_##name; .long d_##name - monitor_payload; .else; \
    .long 0; .endif;
    VMI_CALLS(X)
#undef X
#endif

/* Tables last, so that .ifdef sees every entry defined above. */
    .balign 4
call_table:
#define X(number, NAME, name, sig) .ifdef reloc_##name; .ifdef rom_##name; \
    .long rom_##name - rom_start; .else; .long 0; .endif; .else; .long 0; .endif;
    VMI_CALLS(X)
#undef X

reloc_types:
#define X(number, NAME, name, sig) .ifdef reloc_##name; .byte reloc_##name; .else; .byte 0; .endif;
    VMI_CALLS(X)
#undef X

    .balign 8
data_area:
    .fill VMI_DATA_AREA_SIZE, 1, 0
