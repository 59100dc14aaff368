/* The private hypercall interface between rom/vmm and vmm/ (docs/design.md §2.7): port I/O on
 * 0x560-0x567. Arguments travel in registers; the VMM reads them after the exit and validates
 * them. Not part of the VMI-64 ABI: a kernel never uses these ports. */
#ifndef VMM_HYPERCALL_PORTS_H
#define VMM_HYPERCALL_PORTS_H

#define VMM_HC_PORT_BASE 0x560
#define VMM_HC_PORT_COUNT 8
#define VMM_HC_PORT_PROBE 0x560     /* in: eax = VMM_HC_MAGIC */
#define VMM_HC_PORT_CONSOLE 0x561   /* in: rdi = buffer (virtual), rsi = length; eax = status* */
#define VMM_HC_PORT_SHUTDOWN 0x562  /* out: eax = guest status; the VMM stops */
#define VMM_HC_PORT_REBOOT 0x563    /* out: the VMM stops, reporting a reboot request */
#define VMM_HC_PORT_ZERO_PAGE 0x564 /* in: rsi = physical page; eax = status */
#define VMM_HC_PORT_COPY_PAGE 0x565 /* in: r8 = physical dst, rcx = physical src; eax = status */

/* *rom/vmm drops the console status: CONSOLE_WRITE returns nothing, so a refused write (bad
 * buffer, over VMM_HC_CONSOLE_MAX) is lost, not reported. */

#define VMM_HC_MAGIC 0x4d4d5648u      /* "HVMM" */
#define VMM_HC_CONSOLE_MAX (1u << 20) /* longest console write accepted at once */

#endif
