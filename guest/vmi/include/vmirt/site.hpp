// Call sites (docs/design.md §2.4, docs/spec.md §7): each site holds its native instructions
// inline, at least VMI_SITE_MIN_BYTES long, and is recorded in .vmi_sites so the runtime can
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
// A native site executes as the pure-native build would: a short native instruction is
// lengthened to VMI_SITE_MIN_BYTES with redundant CS-segment prefixes (ignored in 64-bit mode,
// SDM vol. 1 §3.3.7.1), not followed by a NOP that the CPU, or an emulator, would also have to
// execute. The native code is assembled once in a discarded section to learn its length
// first. An empty native becomes one 5-byte NOP, emitted as data: clang's assembler takes
// `.nops` only with a constant length. gas and clang evaluate a true comparison as -1.
// The record joins the enclosing function's COMDAT group ("a?"), so an inline op that the
// compiler emits out of line in several objects leaves one record, not a dangling one.
#define VMI_SITE_LEN "(665b - 664b)"
#define VMI_SITE_MIN VMI_STRINGIFY(VMI_SITE_MIN_BYTES)
// 0f 1f 44 00 00, the 5-byte NOP (SDM vol. 2B, NOP), as .fill's little-endian value.
#define VMI_SITE_NOP "0x441f0f"
static_assert(VMI_SITE_MIN_BYTES == 5, "an empty site is one VMI_SITE_NOP");
#define VMI_SITE(native)                                                                           \
    ".pushsection .discard.vmi_site_length\n\t"                                                    \
    "664:\n\t" native "\n665:\n\t"                                                                 \
    ".popsection\n\t"                                                                              \
    "661:\n\t"                                                                                     \
    ".fill (" VMI_SITE_LEN " > 0) * (" VMI_SITE_LEN " < " VMI_SITE_MIN ") * (" VMI_SITE_MIN        \
    " - " VMI_SITE_LEN "), 1, 0x2e\n\t" native "\n\t"                                              \
    ".fill -(" VMI_SITE_LEN " == 0), " VMI_SITE_MIN ", " VMI_SITE_NOP "\n"                         \
    "663:\n\t"                                                                                     \
    ".pushsection .vmi_sites, \"a?\"\n\t"                                                          \
    ".balign 4\n\t"                                                                                \
    ".long 661b - .\n\t"                                                                           \
    ".short %c[vmi_call]\n\t"                                                                      \
    ".byte 663b - 661b\n\t"                                                                        \
    ".byte 0\n\t"                                                                                  \
    ".popsection\n\t"
#endif
