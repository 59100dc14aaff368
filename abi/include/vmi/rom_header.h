/* VMI-64 ROM image layout (docs/spec.md §3). The image is an x86 option ROM: found by scanning
 * 0xC0000-0xDFFFF in 2 KiB steps, 8-bit sum of all rom_length * 512 bytes equal to zero. */
#ifndef VMI_ROM_HEADER_H
#define VMI_ROM_HEADER_H

#define VMI_ROM_SCAN_START 0xC0000u
#define VMI_ROM_SCAN_END 0xE0000u
#define VMI_ROM_SCAN_STEP 0x800u
#define VMI_ROM_UNIT 512u
#define VMI_ROM_MAX_SIZE (255u * VMI_ROM_UNIT)

#define VMI_ROM_SIGNATURE_0 0x55
#define VMI_ROM_SIGNATURE_1 0xAA
#define VMI_SIGNATURE 0x34364d56u /* "VM64" little-endian */
#define VMI_ABI_MAJOR 1
#define VMI_ABI_MINOR 2

/* Offsets used from assembly (ROMs); the static_asserts below tie them to the structs. */
#define VMI_HDR_FEATURES 0x18
#define VMI_DATA_MAGIC_OFF 0x00
#define VMI_DATA_CPUID_COUNT 0x04
#define VMI_DATA_CYCLE_HZ 0x08
#define VMI_DATA_BOOT_CYCLES 0x10
#define VMI_DATA_BOOT_WALLCLOCK 0x18
#define VMI_DATA_MEMORY_BYTES 0x20
#define VMI_DATA_WALLCLOCK_MUL 0x28
#define VMI_DATA_WALLCLOCK_SHIFT 0x2C
#define VMI_DATA_CPUID 0x30
#define VMI_CPUID_ANSWER_SIZE 24
#define VMI_INIT_ARGS_ABI_MAJOR 0x00
#define VMI_INIT_ARGS_ABI_MINOR 0x02
#define VMI_INIT_ARGS_FLAGS 0x04
#define VMI_INIT_ARGS_ROM_VIRT 0x08
#define VMI_INIT_ARGS_STATE_VIRT 0x10
#define VMI_INIT_ARGS_STATE_PHYS 0x18
#define VMI_INIT_ARGS_STATE_SIZE 0x20
#define VMI_HDR_STATE_SIZE 0x44
#define VMI_HDR_STATE_TABLE 0x48
#define VMI_HDR_RELOC_ARGS 0x4C

/* Init flags (1.2). PAGE_TABLES_LINEAR: every page-table frame is mapped at its physical
 * address + (state_virt - state_phys), so a ROM can read a root from its CR3 value. */
#define VMI_INIT_PAGE_TABLES_LINEAR 1
#define VMI_DATA_MAGIC 0x41544144u /* "DATA": set by the hypervisor when it filled the area */
#define VMI_DATA_CPUID_MAX 32
#define VMI_DATA_AREA_SIZE (0x30 + 24 * VMI_DATA_CPUID_MAX)
#define VMI_ROM_HEADER_SIZE 0x50

#ifndef __ASSEMBLER__
#include <stdint.h>

/* Option-ROM header (IBM PC BIOS convention) followed by the VMI-64 header. */
struct vmi_rom_header {
    uint8_t rom_signature[2];    /* 0x00: 0x55 0xAA */
    uint8_t rom_length;          /* 0x02: image size in 512-byte units */
    uint8_t bios_init[3];        /* 0x03: called far in real mode by BIOS POST: 0xCB (retf) */
    uint8_t checksum_adjust;     /* 0x06: makes the 8-bit sum of the image zero */
    uint8_t reserved0;           /* 0x07 */
    uint32_t vmi_signature;      /* 0x08: VMI_SIGNATURE */
    uint16_t abi_major;          /* 0x0C */
    uint16_t abi_minor;          /* 0x0E */
    uint32_t header_size;        /* 0x10: sizeof(struct vmi_rom_header) the ROM was built with */
    uint32_t max_stack_bytes;    /* 0x14: caller stack any call may use, return address included */
    uint64_t features;           /* 0x18: VMI_FEATURE_* */
    uint32_t call_table_offset;  /* 0x20: u32 entry offsets, indexed by call number, 0 = none */
    uint32_t call_count;         /* 0x24: entries in the call table */
    uint32_t init_offset;        /* 0x28: enum vmi_status init(struct vmi_init_args*) */
    uint32_t reloc_offset;       /* 0x2C: uint32_t reloc(uint32_t call) -> enum vmi_reloc_type */
    uint32_t data_offset;        /* 0x30: struct vmi_data_area, filled by the hypervisor */
    uint32_t data_size;          /* 0x34: 0 = no data area */
    uint32_t name_offset;        /* 0x38: NUL-terminated ROM name, at most 31 characters */
    uint32_t license_offset;     /* 0x3C: NUL-terminated license string, at most 31 characters */
    uint32_t rom_version;        /* 0x40: the ROM's own version, major << 16 | minor */
    uint32_t state_size;         /* 0x44 (1.2): state the ROM asks for, bytes; 0 means 4096 */
    uint32_t state_table_offset; /* 0x48 (1.2): u32 state offsets by call for
                                    VMI_RELOC_CALL_STATE, call_count entries; 0 = none */
    uint32_t reloc_args_offset;  /* 0x4C (1.2): uint32_t reloc(uint32_t call, const struct
                                    vmi_init_args*), used instead of reloc by kernels of minor 2
                                    or later when nonzero; 0 = none */
};

/* Passed to the ROM's init entry. All addresses are kernel virtual. */
struct vmi_init_args {
    uint16_t abi_major;  /* 0x00: the kernel's ABI version */
    uint16_t abi_minor;  /* 0x02 */
    uint32_t flags;      /* 0x04 (1.2): VMI_INIT_*; 0 from older kernels */
    uint64_t rom_virt;   /* 0x08: where the kernel mapped the ROM */
    uint64_t state_virt; /* 0x10: zeroed, writable, physically contiguous memory for the ROM */
    uint64_t state_phys; /* 0x18: its physical address */
    uint64_t state_size; /* 0x20: at least 4096 (at least the header's state_size from 1.2) */
};

struct vmi_cpuid_answer {
    uint32_t leaf;
    uint32_t subleaf;
    uint32_t eax, ebx, ecx, edx;
};

/* Hypervisor-filled data area inside the image. A hypervisor writing it adjusts
 * checksum_adjust by the difference it made, so a corrupted image stays detectable. */
struct vmi_data_area {
    uint32_t magic;             /* 0x00: VMI_DATA_MAGIC once filled */
    uint32_t cpuid_count;       /* 0x04: valid entries in cpuid[] */
    uint64_t cycle_hz;          /* 0x08: TSC frequency */
    uint64_t boot_cycles;       /* 0x10: TSC when boot_wallclock_ns was taken */
    uint64_t boot_wallclock_ns; /* 0x18: UTC ns since 1970 at boot_cycles */
    uint64_t memory_bytes;      /* 0x20: guest RAM */
    uint32_t wallclock_mul;     /* 0x28: ns = cycles * mul >> shift, precomputed for the ROM */
    uint32_t wallclock_shift;   /* 0x2C */
    struct vmi_cpuid_answer cpuid[VMI_DATA_CPUID_MAX]; /* 0x30 */
};

#ifdef __cplusplus
#include <stddef.h>
static_assert(sizeof(struct vmi_rom_header) == VMI_ROM_HEADER_SIZE, "vmi_rom_header size");
static_assert(offsetof(struct vmi_rom_header, features) == VMI_HDR_FEATURES, "features");
static_assert(offsetof(struct vmi_init_args, abi_major) == VMI_INIT_ARGS_ABI_MAJOR, "abi_major");
static_assert(offsetof(struct vmi_data_area, magic) == VMI_DATA_MAGIC_OFF, "magic");
static_assert(offsetof(struct vmi_data_area, cpuid_count) == VMI_DATA_CPUID_COUNT, "count");
static_assert(offsetof(struct vmi_data_area, memory_bytes) == VMI_DATA_MEMORY_BYTES, "memory");
static_assert(offsetof(struct vmi_data_area, wallclock_shift) == VMI_DATA_WALLCLOCK_SHIFT, "shift");
static_assert(sizeof(struct vmi_cpuid_answer) == VMI_CPUID_ANSWER_SIZE, "answer size");
static_assert(offsetof(struct vmi_rom_header, checksum_adjust) == 0x06, "checksum_adjust");
static_assert(offsetof(struct vmi_rom_header, vmi_signature) == 0x08, "vmi_signature");
static_assert(offsetof(struct vmi_rom_header, call_table_offset) == 0x20, "call_table_offset");
static_assert(offsetof(struct vmi_rom_header, init_offset) == 0x28, "init_offset");
static_assert(offsetof(struct vmi_rom_header, reloc_offset) == 0x2C, "reloc_offset");
static_assert(offsetof(struct vmi_rom_header, data_offset) == 0x30, "data_offset");
static_assert(offsetof(struct vmi_rom_header, name_offset) == 0x38, "name_offset");
static_assert(offsetof(struct vmi_rom_header, rom_version) == 0x40, "rom_version");
static_assert(sizeof(struct vmi_init_args) == 0x28, "vmi_init_args size");
static_assert(offsetof(struct vmi_init_args, state_phys) == VMI_INIT_ARGS_STATE_PHYS, "state_phys");
static_assert(offsetof(struct vmi_init_args, abi_minor) == VMI_INIT_ARGS_ABI_MINOR, "abi_minor");
static_assert(offsetof(struct vmi_init_args, flags) == VMI_INIT_ARGS_FLAGS, "flags");
static_assert(offsetof(struct vmi_init_args, rom_virt) == VMI_INIT_ARGS_ROM_VIRT, "rom_virt");
static_assert(offsetof(struct vmi_init_args, state_virt) == VMI_INIT_ARGS_STATE_VIRT, "virt");
static_assert(offsetof(struct vmi_init_args, state_size) == VMI_INIT_ARGS_STATE_SIZE, "size");
static_assert(offsetof(struct vmi_rom_header, state_size) == VMI_HDR_STATE_SIZE, "state_size");
static_assert(offsetof(struct vmi_rom_header, state_table_offset) == VMI_HDR_STATE_TABLE, "table");
static_assert(offsetof(struct vmi_rom_header, reloc_args_offset) == VMI_HDR_RELOC_ARGS, "reloc2");
static_assert(sizeof(struct vmi_cpuid_answer) == 24, "vmi_cpuid_answer size");
static_assert(offsetof(struct vmi_data_area, cycle_hz) == VMI_DATA_CYCLE_HZ, "cycle_hz");
static_assert(offsetof(struct vmi_data_area, boot_cycles) == VMI_DATA_BOOT_CYCLES, "boot_cycles");
static_assert(offsetof(struct vmi_data_area, boot_wallclock_ns) == VMI_DATA_BOOT_WALLCLOCK,
              "boot_wallclock_ns");
static_assert(offsetof(struct vmi_data_area, wallclock_mul) == VMI_DATA_WALLCLOCK_MUL, "mul");
static_assert(offsetof(struct vmi_data_area, cpuid) == VMI_DATA_CPUID, "cpuid");
static_assert(sizeof(struct vmi_data_area) == VMI_DATA_AREA_SIZE, "data area size");
#endif /* __cplusplus */
#endif /* !__ASSEMBLER__ */

#endif
