/* Call sites in assembly sources: the .S twin of site.hpp (docs/spec.md §7). Usage:
 *
 *     vmi_site_begin
 *     <native instructions>
 *     vmi_site_end VMI_CALL_<NAME>
 *
 * records the site in .vmi_sites, so that the runtime binds it like a site in C++ code. As in
 * site.hpp a native site executes only its native instructions, but here they must already be
 * VMI_SITE_MIN_BYTES long: site.hpp learns the length by assembling the code twice, which a
 * begin/end pair cannot do, so a shorter site is an assembly error rather than padded. With
 * VMI_PURE_NATIVE only the native instructions remain. Sites do not nest. */
/* clang-format off */
#ifndef VMI_SITE_ASM_H
#define VMI_SITE_ASM_H

#include <vmi/vmi.h>

#ifdef VMI_PURE_NATIVE
.macro vmi_site_begin
.endm
.macro vmi_site_end call
.endm
#else
.macro vmi_site_begin
661:
.endm
.macro vmi_site_end call
663:
    .if (663b - 661b) < VMI_SITE_MIN_BYTES
    .error "a VMI site in assembly must be at least VMI_SITE_MIN_BYTES long"
    .endif
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
