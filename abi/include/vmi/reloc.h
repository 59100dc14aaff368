/* Relocation query (docs/spec.md §7): how the kernel binds each call site. */
#ifndef VMI_RELOC_H
#define VMI_RELOC_H

#define VMI_RELOC_NATIVE 0 /* keep the native instructions at the site */
#define VMI_RELOC_CALL 1   /* write `call rel32` to the call-table entry, NOP the rest */
#define VMI_RELOC_NOP 2    /* the operation is unnecessary here: NOP the whole site */
/* 1.2: `call rel32` to state_virt + the call's entry in the state table: code that the ROM's init
 * placed in its state (spec §7.1). Answered only to a kernel of minor 2 or later. */
#define VMI_RELOC_CALL_STATE 3

/* Minimum size of a call site: room for `E8 rel32`. */
#define VMI_SITE_MIN_BYTES 5

#ifndef __ASSEMBLER__
#include <stdint.h>

/* One entry of the kernel's .vmi_sites section (not part of the ROM ABI, but fixed so that any
 * kernel's patcher can share the runtime): a PC-relative site address, the call, its length. */
struct vmi_site {
    int32_t site_rel; /* site address minus the address of this field */
    uint16_t call;
    uint8_t length;
    uint8_t reserved;
};

#ifdef __cplusplus
static_assert(sizeof(struct vmi_site) == 8, "vmi_site layout");
#endif
#endif /* !__ASSEMBLER__ */

#endif
