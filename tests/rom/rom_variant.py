#!/usr/bin/env python3
"""Derives a variant of a VMI-64 ROM image for the ROM matrix tests: broken images the kernel
must reject with the matching reason, older/newer minor versions it must accept, and ROMs that
bind but break one call's contract, which run=conform must name (tests/conform)."""
import struct
import sys

CHECKSUM = 0x06
SIGNATURE = 0x08
ABI_MAJOR = 0x0C
ABI_MINOR = 0x0E
CALL_TABLE = 0x20
CALL_COUNT = 0x24
INIT = 0x28
DATA_OFFSET = 0x30
DATA_SIZE = 0x34
ROM_VERSION = 0x40
RESERVED1 = 0x44


def fix_checksum(rom):
    rom[CHECKSUM] = 0
    rom[CHECKSUM] = (-sum(rom)) & 0xFF


def put32(rom, offset, value):
    struct.pack_into("<I", rom, offset, value)


def put16(rom, offset, value):
    struct.pack_into("<H", rom, offset, value)


def padding(rom):
    """Where the zero padding after the data area starts."""
    data_offset, data_size = struct.unpack_from("<II", rom, DATA_OFFSET)
    return data_offset + data_size


def put_stub(rom, stub):
    """Places `stub` in the padding after the data area; returns its offset."""
    at = padding(rom)
    if rom[at:at + len(stub)] != bytes(len(stub)):
        sys.exit("rom_variant.py: no free padding after the data area for the stub")
    rom[at:at + len(stub)] = stub
    return at


def init_returning(rom, status):
    """Points init at a new `mov $status, %eax; ret` in the padding after the data area."""
    put32(rom, INIT, put_stub(rom, b"\xb8" + struct.pack("<I", status) + b"\xc3"))
    fix_checksum(rom)


def call_prefixed(rom, call, code):
    """Points call `call`'s entry at `code` followed by a jump to the original entry."""
    table = struct.unpack_from("<I", rom, CALL_TABLE)[0]
    entry = struct.unpack_from("<I", rom, table + 4 * call)[0]
    if entry == 0:
        sys.exit(f"rom_variant.py: the ROM has no entry for call {call}")
    jump_end = padding(rom) + len(code) + 5
    at = put_stub(rom, code + b"\xe9" + struct.pack("<i", entry - jump_end))
    put32(rom, table + 4 * call, at)
    fix_checksum(rom)


VMI_CALL_GET_CYCLE_FREQUENCY = 43
VMI_CALL_COPY_PAGE = 51
XOR_R9D_R9D = b"\x45\x31\xc9"
MOV_RAX_TO_RSP_MINUS_256 = b"\x48\x89\x84\x24\x00\xff\xff\xff"  # mov %rax, -0x100(%rsp)


VARIANTS = {
    # a byte changed after packing: the sum no longer matches
    "bad-checksum": lambda rom: rom.__setitem__(RESERVED1, rom[RESERVED1] ^ 0x5A),
    "bad-signature": lambda rom: (put32(rom, SIGNATURE, 0x4F4F4F4F), fix_checksum(rom)),
    "zero-length": lambda rom: (rom.__setitem__(2, 0), fix_checksum(rom)),
    # init answers a status the ABI does not define: the kernel prints its number
    "init-status-7": lambda rom: init_returning(rom, 7),
    "major-too-new": lambda rom: (put16(rom, ABI_MAJOR, 2), fix_checksum(rom)),
    "table-out-of-bounds": lambda rom: (put32(rom, CALL_TABLE, len(rom) - 8), fix_checksum(rom)),
    "entry-outside": lambda rom: (put32(rom, INIT, len(rom) + 0x10), fix_checksum(rom)),
    # a newer ROM than the kernel knows: same calls, higher minor
    "minor-newer": lambda rom: (put16(rom, ABI_MINOR, 5), fix_checksum(rom)),
    # an older ROM (ABI 1.0): it knows only the first 40 calls, so later ones must stay native
    "older-40-calls": lambda rom: (put32(rom, CALL_COUNT, 40), put16(rom, ABI_MINOR, 0),
                                   fix_checksum(rom)),
    # a ROM of ABI 1.1: the 1.2 header fields (state table, reloc with arguments) are not read
    "minor-1": lambda rom: (put16(rom, ABI_MINOR, 1), fix_checksum(rom)),
    # COPY_PAGE clears r9, which it must preserve (docs/spec.md §5.2)
    "clobber-r9-copy-page": lambda rom: call_prefixed(rom, VMI_CALL_COPY_PAGE, XOR_R9D_R9D),
    # GET_CYCLE_FREQUENCY writes 264 bytes below the caller's rsp; the header allows 40 (§5.3)
    "stack-overrun-cycle-frequency": lambda rom: call_prefixed(
        rom, VMI_CALL_GET_CYCLE_FREQUENCY, MOV_RAX_TO_RSP_MINUS_256),
    # the ROM's own version, which the binding line shows next to the ABI version
    "rom-version-2.7": lambda rom: (put32(rom, ROM_VERSION, 2 << 16 | 7), fix_checksum(rom)),
}


def main():
    if len(sys.argv) != 4 or sys.argv[1] not in VARIANTS:
        sys.exit(f"usage: rom_variant.py {{{','.join(VARIANTS)}}} IN OUT")
    rom = bytearray(open(sys.argv[2], "rb").read())
    VARIANTS[sys.argv[1]](rom)
    open(sys.argv[3], "wb").write(rom)


if __name__ == "__main__":
    main()
