/* VMI-64 feature bits (docs/spec.md §3.3): what a ROM offers beyond binding calls. Returned by
 * GET_FEATURES and stored in the ROM header. */
#ifndef VMI_FEATURES_H
#define VMI_FEATURES_H

#ifdef __ASSEMBLER__
#define VMI_BIT(n) (1 << (n))
#else
#define VMI_BIT(n) (1ull << (n))
#endif

#define VMI_FEATURE_CONSOLE VMI_BIT(0)         /* CONSOLE_WRITE is paravirtual */
#define VMI_FEATURE_CYCLE_FREQUENCY VMI_BIT(1) /* GET_CYCLE_FREQUENCY is exact */
#define VMI_FEATURE_WALLCLOCK VMI_BIT(2)       /* GET_WALLCLOCK_TIME without device I/O */
#define VMI_FEATURE_CPUID_CACHE VMI_BIT(3)     /* CPUID answered from the data area */
#define VMI_FEATURE_POWER VMI_BIT(4)           /* SHUTDOWN/REBOOT through the VMM */
#define VMI_FEATURE_PAGE_OPS VMI_BIT(5)        /* ZERO_PAGE/COPY_PAGE done by the hypervisor */
#define VMI_FEATURE_DEPRIVILEGED VMI_BIT(6)    /* 1.2: the kernel runs at CPL3 (spec §9) */

#endif
