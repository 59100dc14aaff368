/* Call sites in assembly sources: the .S twin of site.hpp (docs/spec.md §7). Usage:
 *
 *     vmi_site_begin
 *     <native instructions>
 *     vmi_site_end VMI_CALL_<NAME>
 *
 * pads the native instructions to VMI_SITE_MIN_BYTES with one multi-byte NOP and records the
 * site in .vmi_sites, so that the runtime binds it like a site in C++ code. With
 * VMI_PURE_NATIVE only the native instructions remain. Sites do not nest. */
/* clang-format off */
#ifndef VMI_SITE_ASM_H
#define VMI_SITE_ASM_H

#include <vmi/vmi.h>

/* Call numbers as assembler symbols (calls.h defines the enum for C only). */
#define VMI_SITE_ASM_CALL(number, NAME, name, sig) .set VMI_CALL_##NAME, number;
VMI_CALLS(VMI_SITE_ASM_CALL)
#undef VMI_SITE_ASM_CALL

#ifdef VMI_PURE_NATIVE
.macro vmi_site_begin
.endm
.macro vmi_site_end call
.endm
#else
.macro vmi_site_begin
661:
.endm
/* gas evaluates a true comparison as -1, hence the leading minus (as in site.hpp). */
.macro vmi_site_end call
662:
    .nops -((VMI_SITE_MIN_BYTES - (662b - 661b)) > 0) * (VMI_SITE_MIN_BYTES - (662b - 661b))
663:
    .pushsection .vmi_sites, "a"
    .balign 4
    .long 661b - .
    .short \call
    .byte 663b - 661b
    .byte 0
    .popsection
.endm
#endif

#endif
