/* The lookup of a CPUID leaf among the data area's answers (docs/spec.md §3.4), for ROMs in
 * assembly. */
/* clang-format off */
#ifndef VMI_ROM_CPUID_ANSWERS_H
#define VMI_ROM_CPUID_ANSWERS_H

/* Looks eax (leaf) and ecx (subleaf) up among `count` answers at `answers`, both registers
 * that it changes: jumps to `found` with `answers` at the match, falls through without one. */
.macro cpuid_find answers, count, found
1:  test \count, \count
    jz 2f
    cmp (\answers), %eax
    jne 3f
    cmp 4(\answers), %ecx
    je \found
3:  add $VMI_CPUID_ANSWER_SIZE, \answers
    dec \count
    jmp 1b
2:
.endm

/* The four result registers from the answer at `answer`. */
.macro cpuid_load answer
    mov 8(\answer), %eax
    mov 12(\answer), %ebx
    mov 16(\answer), %ecx
    mov 20(\answer), %edx
.endm

#endif
