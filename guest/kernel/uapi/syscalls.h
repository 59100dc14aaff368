/* System calls of the reference kernel: the contract between guest/kernel and guest/user.
 * SYSCALL with rax = number, arguments in rdi, rsi, rdx, r10, r8; result in rax (negative =
 * -error). Numbers are this kernel's own. */
#ifndef KERNEL_UAPI_SYSCALLS_H
#define KERNEL_UAPI_SYSCALLS_H

#include <stdint.h>

#define SYS_EXIT 0              /* (status) -> no return */
#define SYS_WRITE 1             /* (fd, buf, len) -> len; fd 1 and 2 are the console */
#define SYS_GETPID 2            /* () -> pid */
#define SYS_YIELD 3             /* () -> 0 */
#define SYS_FORK 4              /* () -> child pid in the parent, 0 in the child */
#define SYS_WAIT 5              /* (&status) -> pid of a child that exited */
#define SYS_EXEC 6              /* (name, arg) -> no return on success */
#define SYS_MMAP 7              /* (len) -> address of len zero bytes, read-write */
#define SYS_MUNMAP 8            /* (addr, len) -> 0 */
#define SYS_SET_FAULT_HANDLER 9 /* (fn) -> 0; fn(vector, address) runs on faults */
#define SYS_FAULT_RETURN 10     /* () -> resumes after the faulting instruction's handler */
#define SYS_BENCH_REPORT 11     /* (name, cycles, iterations, monitor entries) -> 0; JSON */
#define SYS_CYCLES 12           /* () -> cycle counter (the kernel's vmi clock) */
#define SYS_MONITOR_ENTRIES 13  /* () -> the ROM's monitor entries so far (vmi, 0 natively) */
#define SYS_KERNEL_ADDRESS 14   /* (which) -> an address user mode must not reach, for tests */
/* virtio-blk disks (docs/kernel.md, "Disks"): the caller waits until the device is done. */
#define SYS_BLK_INFO 15  /* (disk, &struct blk_info) -> 0 */
#define SYS_BLK_READ 16  /* (disk, sector, buf, count) -> 0; count 1..BLK_MAX_SECTORS */
#define SYS_BLK_WRITE 17 /* (disk, sector, buf, count) -> 0 */
#define SYS_BLK_FLUSH 18 /* (disk) -> 0 once what was written is on stable storage */

/* SYS_KERNEL_ADDRESS: what the isolation self-tests try to read, write and execute. */
#define KERNEL_ADDRESS_TEXT 0      /* kernel code */
#define KERNEL_ADDRESS_DATA 1      /* kernel data */
#define KERNEL_ADDRESS_ROM 2       /* the option-ROM window, where a ROM's code lives */
#define KERNEL_ADDRESS_ROM_STATE 3 /* the ROM's state: a deprivileged ROM's monitor */
#define KERNEL_ADDRESS_ROM_STATE_END 4
#define KERNEL_ADDRESS_SYSCALL 5 /* where SYSCALL enters (IA32_LSTAR) */

struct blk_info {
    uint64_t sectors;      /* capacity */
    uint32_t sector_bytes; /* 512 */
    uint32_t flags;        /* BLK_INFO_* */
};
#define BLK_INFO_READ_ONLY 1 /* writes fail with -E_ROFS */
#define BLK_INFO_FLUSH 2     /* the device has a write cache that SYS_BLK_FLUSH empties */
#define BLK_MAX_SECTORS 8

#define E_FAULT 14 /* a bad user pointer */
#define E_INVAL 22
#define E_NOMEM 12
#define E_CHILD 10     /* no child to wait for */
#define E_NOENT 2      /* no such program */
#define E_AGAIN 11     /* process table full; every request slot of the disk in use */
#define E_IO 5         /* the device reported an error */
#define E_NODEV 19     /* no such disk */
#define E_ROFS 30      /* a write to a read-only disk */
#define E_OPNOTSUPP 95 /* the device does not support the request */

/* Exit status of a process killed by a fault it did not handle. */
#define KILLED_BY_FAULT(vector) (128 + (vector))

#endif
