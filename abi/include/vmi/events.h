/* Event delivery (docs/spec.md §4.1): the kernel registers handlers with SET_CALLBACKS; the
 * ROM or the native runtime saves the interrupted context as a trap frame, calls the handler
 * on the kernel stack with interrupts disabled, and resumes the frame the handler returns. A
 * context switch is returning another context's frame. */
#ifndef VMI_EVENTS_H
#define VMI_EVENTS_H

#define VMI_FRAME_R15 0x00
#define VMI_FRAME_RDX 0x58
#define VMI_FRAME_RCX 0x60
#define VMI_FRAME_RAX 0x70
#define VMI_FRAME_VECTOR 0x78
#define VMI_FRAME_ERROR 0x80
#define VMI_FRAME_RIP 0x88
#define VMI_FRAME_CS 0x90
#define VMI_FRAME_RFLAGS 0x98
#define VMI_FRAME_RSP 0xA0
#define VMI_FRAME_SS 0xA8
#define VMI_FRAME_SIZE 0xB0

/* Vectors: 0-31 exceptions (SDM vol. 3A §6.3), the alarm, and the SYSCALL pseudo-vector. */
#define VMI_VECTOR_ALARM 32
#define VMI_VECTOR_SYSCALL 256

/* Selectors the runtime or ROM sets up; frames use them (RPL 3 for user). */
#define VMI_SEL_KERNEL_CODE 0x08
#define VMI_SEL_KERNEL_DATA 0x10
#define VMI_SEL_USER_DATA 0x1B
#define VMI_SEL_USER_CODE 0x23

#ifndef __ASSEMBLER__
#include <stdint.h>

/* General registers in push order (r15 lowest), then what the CPU pushes for an interrupt. */
struct vmi_trap_frame {
    uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
    uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
    uint64_t vector;     /* 0-255, or VMI_VECTOR_SYSCALL */
    uint64_t error_code; /* the CPU's error code, 0 if none */
    uint64_t rip, cs, rflags, rsp, ss;
};

typedef struct vmi_trap_frame* (*vmi_event_handler)(struct vmi_trap_frame* frame);

/* SYSCALL handler frames: rax = number, rdi rsi rdx r10 r8 r9 = arguments (Linux x86-64
 * convention), rip/rflags/rsp the user's; the handler returns the frame to resume. */
struct vmi_callbacks {
    vmi_event_handler exception; /* vectors 0-31 */
    vmi_event_handler interrupt; /* vectors 32-255 */
    vmi_event_handler syscall;   /* SYSCALL from user mode */
};

#ifdef __cplusplus
#include <stddef.h>
static_assert(sizeof(struct vmi_trap_frame) == VMI_FRAME_SIZE, "trap frame size");
static_assert(offsetof(struct vmi_trap_frame, rax) == VMI_FRAME_RAX, "rax");
static_assert(offsetof(struct vmi_trap_frame, rcx) == VMI_FRAME_RCX, "rcx");
static_assert(offsetof(struct vmi_trap_frame, rdx) == VMI_FRAME_RDX, "rdx");
static_assert(offsetof(struct vmi_trap_frame, vector) == VMI_FRAME_VECTOR, "vector");
static_assert(offsetof(struct vmi_trap_frame, error_code) == VMI_FRAME_ERROR, "error_code");
static_assert(offsetof(struct vmi_trap_frame, rip) == VMI_FRAME_RIP, "rip");
static_assert(offsetof(struct vmi_trap_frame, cs) == VMI_FRAME_CS, "cs");
static_assert(offsetof(struct vmi_trap_frame, rflags) == VMI_FRAME_RFLAGS, "rflags");
static_assert(offsetof(struct vmi_trap_frame, rsp) == VMI_FRAME_RSP, "rsp");
static_assert(offsetof(struct vmi_trap_frame, ss) == VMI_FRAME_SS, "ss");
static_assert(sizeof(struct vmi_callbacks) == 24, "callbacks size");
#endif
#endif /* !__ASSEMBLER__ */

#endif
