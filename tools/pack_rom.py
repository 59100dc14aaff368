#!/usr/bin/env python3
"""pack_rom.py: turns the flat binary of a VMI-64 ROM into an option-ROM image.

A ROM is written with its header at offset 0 (docs/spec.md §3.1) and linked into a flat binary,
e.g. with `objcopy -O binary`. This tool pads the binary with zeros to a whole number of
512-byte units, stores that number in byte 2 (rom_length) and sets byte 6 (checksum_adjust) so
that all bytes of the image sum to 0 mod 256. It does not check the VMI-64 header: boot the
result with `vmi run --rom IMAGE`, whose kernel reports what it accepted or why not.

Run it last: any byte changed afterwards breaks the checksum. A hypervisor that fills the data
area later adjusts the checksum itself (docs/spec.md §3.4)."""
import argparse
import sys

UNIT = 512
MAX_UNITS = 255  # rom_length is one byte
LENGTH_OFFSET = 2
CHECKSUM_OFFSET = 6


def pack(data):
    """Returns the packed image of `data`, or raises ValueError saying why it cannot be one."""
    if data[:2] != b"\x55\xaa":
        raise ValueError("no option-ROM signature (0x55 0xAA) at offset 0")
    if len(data) <= CHECKSUM_OFFSET:
        raise ValueError(f"{len(data)} bytes cannot hold the option-ROM header")
    units = max(1, (len(data) + UNIT - 1) // UNIT)
    if units > MAX_UNITS:
        raise ValueError(f"{len(data)} bytes exceed the option-ROM limit of "
                         f"{MAX_UNITS * UNIT} bytes")
    image = bytearray(data) + bytes(units * UNIT - len(data))
    image[LENGTH_OFFSET] = units
    image[CHECKSUM_OFFSET] = 0
    image[CHECKSUM_OFFSET] = -sum(image) & 0xFF
    return image


def main():
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n", 1)[1],
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("flat", metavar="FLAT_BINARY", help="the linked ROM, header at offset 0")
    parser.add_argument("output", metavar="OUTPUT_ROM", help="where to write the image")
    args = parser.parse_args()
    with open(args.flat, "rb") as f:
        data = f.read()
    try:
        image = pack(data)
    except ValueError as e:
        sys.exit(f"pack_rom.py: {args.flat}: {e}")
    with open(args.output, "wb") as f:
        f.write(image)


if __name__ == "__main__":
    main()
