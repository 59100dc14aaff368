// Call sites (DESIGN.md §2.4, docs/spec.md §7): each site holds its native instructions inline,
// padded to VMI_SITE_MIN_BYTES, and is recorded in .vmi_sites so the runtime can
// rewrite it to `call rel32` into the ROM or to NOPs. Built with VMI_PURE_NATIVE the sites are
// just the native instructions: the baseline that measures the layer's own cost.
#pragma once

#include <vmi/vmi.h>

#define VMI_STRINGIFY2(x) #x
#define VMI_STRINGIFY(x) VMI_STRINGIFY2(x)

// Inline-asm operand naming the call; every op passes it so the record can use it.
#define VMI_CALL_OPERAND(NAME) [vmi_call] "i"(VMI_CALL_##NAME)

#ifdef VMI_PURE_NATIVE
#define VMI_SITE(native) native "\n\t"
#else
// The record joins the enclosing function's COMDAT group ("a?"), so an inline op that the
// compiler emits out of line in several objects leaves one record, not a dangling one.
// The padding is one multi-byte NOP (.nops), so a native site executes a single extra
// instruction at most. gas evaluates a true comparison as -1, hence the leading minus.
#define VMI_SITE(native)                                                                           \
    "661:\n\t" native "\n662:\n\t"                                                                 \
    ".nops -((" VMI_STRINGIFY(VMI_SITE_MIN_BYTES) " - (662b - 661b)) > 0) * ("                     \
    VMI_STRINGIFY(VMI_SITE_MIN_BYTES) " - (662b - 661b))\n"                                        \
    "663:\n\t"                                                                                     \
    ".pushsection .vmi_sites, \"a?\"\n\t"                                                           \
    ".balign 4\n\t"                                                                                \
    ".long 661b - .\n\t"                                                                           \
    ".short %c[vmi_call]\n\t"                                                                      \
    ".byte 663b - 661b\n\t"                                                                        \
    ".byte 0\n\t"                                                                                  \
    ".popsection\n\t"
#endif
