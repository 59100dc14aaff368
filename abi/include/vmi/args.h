/* Argument values of VMI-64 calls (docs/spec.md §4). */
#ifndef VMI_ARGS_H
#define VMI_ARGS_H

/* GET_CYCLE_COUNTER kinds */
#define VMI_CYCLES_REAL 0      /* cycles since an arbitrary point, constant rate */
#define VMI_CYCLES_AVAILABLE 1 /* cycles this vCPU could run (real minus stolen) */
#define VMI_CYCLES_STOLEN 2    /* cycles the hypervisor ran something else */

/* ALLOCATE_PAGE / RELEASE_PAGE level, in the low byte, and flags */
#define VMI_PAGE_L1 1         /* page table */
#define VMI_PAGE_L2 2         /* page directory */
#define VMI_PAGE_L3 3         /* page-directory-pointer table */
#define VMI_PAGE_L4 4         /* PML4 */
#define VMI_PAGE_ZEROED 0x100 /* the kernel zeroed the page */
#define VMI_PAGE_CLONE 0x200  /* copy of another table (e.g. fork) */

/* FLUSH_TLB flags */
#define VMI_FLUSH_TLB 1    /* non-global entries */
#define VMI_FLUSH_GLOBAL 2 /* global entries too */

/* SET_LAZY_MODE modes: updates may be deferred until the mode goes back to OFF */
#define VMI_LAZY_OFF 0
#define VMI_LAZY_MMU 1
#define VMI_LAZY_CPU 2

/* SET_ALARM flags */
#define VMI_ALARM_ONESHOT 0
#define VMI_ALARM_PERIODIC 1

#endif
