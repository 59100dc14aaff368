/* The header every ROM starts with (struct vmi_rom_header, abi/include/vmi/rom_header.h,
 * docs/spec.md §3), then its name and licence. A ROM includes this file first in its .rom
 * section, after defining:
 *   ROM_NAME                        the name string;
 *   ROM_MAX_STACK                   max_stack_bytes;
 *   ROM_FEATURES                    what the header advertises (VMI_FEATURE_*);
 *   ROM_VERSION_MAJOR, _MINOR       rom_version;
 *   ROM_DATA_AREA_SIZE (optional)   a data area at label data_area, of this size;
 *   ROM_STATE_SIZE (optional)       the state a 1.2 kernel gives init, with the labels
 *                                   state_table and rom_reloc_args.
 * It defines rom_start and expects the labels call_table, rom_init and rom_reloc. */

    .globl rom_start
rom_start:
    .byte 0x55, 0xaa
    .byte 0                          /* rom_length: set by tools/pack_rom.py */
    .byte 0xcb, 0x90, 0x90           /* BIOS POST far-calls offset 3 in real mode: retf */
    .byte 0                          /* checksum_adjust: set by tools/pack_rom.py */
    .byte 0
    .long VMI_SIGNATURE
    .word VMI_ABI_MAJOR, VMI_ABI_MINOR
    .long VMI_ROM_HEADER_SIZE
    .long ROM_MAX_STACK              /* max_stack_bytes */
    .quad ROM_FEATURES
    .long call_table - rom_start
    .long VMI_CALL_COUNT
    .long rom_init - rom_start
    .long rom_reloc - rom_start
#ifdef ROM_DATA_AREA_SIZE
    .long data_area - rom_start
    .long ROM_DATA_AREA_SIZE
#else
    .long 0, 0                       /* no data area */
#endif
    .long rom_name - rom_start
    .long rom_license - rom_start
    .long (ROM_VERSION_MAJOR << 16) | ROM_VERSION_MINOR
#ifdef ROM_STATE_SIZE
    .long ROM_STATE_SIZE
    .long state_table - rom_start
    .long rom_reloc_args - rom_start
#else
    .long 0                          /* no state, */
    .long 0, 0                       /* hence no state table and no reloc_args */
#endif
    .if . - rom_start != VMI_ROM_HEADER_SIZE
    .error "ROM header size does not match VMI_ROM_HEADER_SIZE"
    .endif

rom_name:    .asciz ROM_NAME
rom_license: .asciz "MIT"
