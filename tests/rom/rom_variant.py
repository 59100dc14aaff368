#!/usr/bin/env python3
"""Derives a variant of a VMI-64 ROM image for the ROM matrix tests: broken images the kernel
must reject with the matching reason, and older/newer minor versions it must accept."""
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


def init_returning(rom, status):
    """Points init at a new `mov $status, %eax; ret` in the padding after the data area."""
    data_offset, data_size = struct.unpack_from("<II", rom, DATA_OFFSET)
    stub = b"\xb8" + struct.pack("<I", status) + b"\xc3"
    at = data_offset + data_size
    if rom[at:at + len(stub)] != bytes(len(stub)):
        sys.exit("rom_variant.py: no free padding after the data area for the init stub")
    rom[at:at + len(stub)] = stub
    put32(rom, INIT, at)
    fix_checksum(rom)


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
