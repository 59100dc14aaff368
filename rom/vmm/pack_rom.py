#!/usr/bin/env python3
"""Turns a flat ROM binary into an option-ROM image: pads to 512-byte units, sets the length
byte and the checksum byte so that all bytes sum to zero (mod 256)."""
import sys

UNIT = 512
LENGTH_OFFSET = 2
CHECKSUM_OFFSET = 6


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: pack_rom.py FLAT_BINARY OUTPUT_ROM")
    data = bytearray(open(sys.argv[1], "rb").read())
    if data[:2] != b"\x55\xaa":
        sys.exit(f"{sys.argv[1]}: no option-ROM signature")
    size = (len(data) + UNIT - 1) // UNIT * UNIT
    if size // UNIT > 255:
        sys.exit(f"{sys.argv[1]}: {len(data)} bytes exceed the 127.5 KiB option-ROM limit")
    data += bytes(size - len(data))
    data[LENGTH_OFFSET] = size // UNIT
    data[CHECKSUM_OFFSET] = 0
    data[CHECKSUM_OFFSET] = (-sum(data)) & 0xFF
    open(sys.argv[2], "wb").write(data)


if __name__ == "__main__":
    main()
