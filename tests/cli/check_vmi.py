#!/usr/bin/env python3
"""Runs `vmi` once on bad input and checks its exit status and its one-line error.

Malformed kernels are made at test time from a built test guest, so no binary files live in
git. The token @INPUT in the vmi arguments names the generated input (also inside an argument:
@INPUT,ro), and @DISK a valid 64 KiB disk image. Exit status 77 means
SKIP (ctest SKIP_RETURN_CODE): the check under test is only reached with a usable /dev/kvm.
"""

import argparse
import fcntl
import os
import resource
import shutil
import struct
import subprocess
import sys

SKIP = 77
EHDR = struct.Struct("<16sHHIQQQIHHHHHH")
PHDR = struct.Struct("<IIQQQQQQ")
PT_LOAD, PT_NOTE = 1, 4
ELFCLASS32 = 1
XEN_ELFNOTE_PHYS32_ENTRY = 18
KVM_GET_API_VERSION = 0xAE00


def kvm_usable():
    """As `vmi` sees it: /dev/kvm opens read-write and speaks the stable API (version 12)."""
    try:
        fd = os.open("/dev/kvm", os.O_RDWR | os.O_CLOEXEC)
    except OSError:
        return False
    try:
        return fcntl.ioctl(fd, KVM_GET_API_VERSION) == 12
    except OSError:
        return False
    finally:
        os.close(fd)


class Elf:
    """Just enough of an ELF64 image to patch its headers."""

    def __init__(self, data):
        self.data = bytearray(data)
        fields = EHDR.unpack_from(self.data, 0)
        self.entry, self.phoff = fields[4], fields[5]
        self.phentsize, self.phnum = fields[9], fields[10]
        if fields[0][:4] != b"\x7fELF" or self.phentsize != PHDR.size:
            raise SystemExit("check_vmi: the guest used as a template is not an ELF64 image")

    def phdrs(self):
        for i in range(self.phnum):
            yield i, list(PHDR.unpack_from(self.data, self.phoff + i * PHDR.size))

    def set_phdr(self, index, ph):
        PHDR.pack_into(self.data, self.phoff + index * PHDR.size, *ph)

    def loads(self):
        # p_memsz is field 6; the parser skips empty segments, so they cannot break anything.
        return [(i, ph) for i, ph in self.phdrs() if ph[0] == PT_LOAD and ph[6] > 0]

    def entry_segment(self):
        for i, ph in self.loads():
            if ph[4] <= self.entry < ph[4] + ph[5]:  # p_paddr, p_filesz
                return i
        raise SystemExit("check_vmi: no segment of the template guest holds its entry")


def other_load(elf):
    """A loadable segment that does not hold the entry point, to move around."""
    entry = elf.entry_segment()
    for i, ph in elf.loads():
        if i != entry:
            return i, ph
    raise SystemExit("check_vmi: the template guest needs a second loadable segment")


def drop_pvh_note(elf):
    found = False
    for _, ph in elf.phdrs():
        if ph[0] != PT_NOTE:
            continue
        pos, end = ph[2], ph[2] + ph[5]
        while pos + 12 <= end:
            namesz, descsz, ntype = struct.unpack_from("<III", elf.data, pos)
            if ntype == XEN_ELFNOTE_PHYS32_ENTRY:
                struct.pack_into("<I", elf.data, pos + 8, XEN_ELFNOTE_PHYS32_ENTRY - 1)
                found = True
            pos += 12 + (namesz + 3) // 4 * 4 + (descsz + 3) // 4 * 4
    if not found:
        raise SystemExit("check_vmi: the template guest has no PVH note to remove")
    return elf.data


def overlap(elf):
    first = elf.loads()[0][1]
    i, ph = other_load(elf)
    ph[3] = ph[4] = first[4] + 0x10  # p_vaddr, p_paddr inside the first segment
    elf.set_phdr(i, ph)
    return elf.data


def high_segment(elf):
    # Just past 2 MiB: valid for any larger --mem, beyond guest memory with --mem 2M.
    i, ph = other_load(elf)
    ph[3] = ph[4] = 2 << 20
    elf.set_phdr(i, ph)
    return elf.data


def truncated_phdrs(elf):
    if elf.phnum < 2:
        raise SystemExit("check_vmi: the template guest needs two program headers")
    return elf.data[: elf.phoff + elf.phnum * PHDR.size - 1]


def elf32(elf):
    elf.data[4] = ELFCLASS32
    return elf.data


GENERATORS = {
    "not-elf": lambda elf: b"#!/bin/sh\necho this is not a kernel\n",
    "empty": lambda elf: b"",
    "elf32": elf32,
    "no-pvh-note": drop_pvh_note,
    "overlap": overlap,
    "high-segment": high_segment,
    "truncated-ehdr": lambda elf: elf.data[: EHDR.size - 24],
    "truncated-phdrs": truncated_phdrs,
}


def option_rom(size):
    """An option-ROM container of `size` bytes (0x55 0xAA, length in 512-byte units)."""
    rom = bytearray(size)
    rom[0:3] = bytes([0x55, 0xAA, min(size // 512, 255)])
    return rom


ROM_GENERATORS = {
    "rom-not-option-rom": lambda elf: elf.data,  # an ELF file given as the ROM
    "rom-too-large": lambda elf: option_rom(128 * 1024 + 512),
    "rom-truncated": lambda elf: option_rom(4096)[:1024],
}


def make_input(kind, template, workdir):
    path = os.path.join(workdir, kind + ".elf")
    if os.path.isdir(path) and not os.path.islink(path):
        shutil.rmtree(path)
    elif os.path.lexists(path):
        os.remove(path)
    if kind == "missing":
        return path
    if kind == "directory":
        os.makedirs(path)
        return path
    if kind == "fifo":
        os.mkfifo(path)
        return path
    if kind == "disk-odd-size":
        # Not a whole number of 512-byte sectors.
        with open(path, "wb") as f:
            f.write(bytes(1000))
        return path
    if kind == "sparse-1g":
        # Exactly the kernel size limit, holes except for a first line that is no ELF header.
        with open(path, "wb") as f:
            f.write(b"#!/bin/sh\n")
            f.truncate(1 << 30)
        return path
    if kind in ROM_GENERATORS:
        with open(template, "rb") as f:
            data = ROM_GENERATORS[kind](Elf(f.read()))
        with open(path, "wb") as f:
            f.write(data)
        return path
    with open(template, "rb") as f:
        data = GENERATORS[kind](Elf(f.read()))
    with open(path, "wb") as f:
        f.write(data)
    return path


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--vmi", required=True)
    p.add_argument("--guest", required=True, help="built test guest used as a template")
    p.add_argument("--workdir", required=True)
    p.add_argument("--input",
                   choices=["missing", "directory", "fifo", "sparse-1g", "disk-odd-size",
                            *GENERATORS,
                            *ROM_GENERATORS])
    p.add_argument("--status", type=int, required=True, help="expected exit status")
    p.add_argument("--stderr", help="text the one-line error must contain")
    p.add_argument("--stdout", help="text stdout must contain (stderr must be empty)")
    p.add_argument("--needs-kvm", action="store_true")
    p.add_argument("--time-limit", type=float, default=60, help="seconds vmi may take")
    p.add_argument("--max-rss-mb", type=int, help="the most resident memory vmi may use")
    p.add_argument("args", nargs="*")
    opt = p.parse_args()

    if opt.needs_kvm and not kvm_usable():
        print("SKIP: /dev/kvm is not available; this check runs after KVM is opened")
        return SKIP

    os.makedirs(opt.workdir, exist_ok=True)
    args = list(opt.args)
    if opt.input:
        path = make_input(opt.input, opt.guest, opt.workdir)
        args = [a.replace("@INPUT", path) for a in args]
    if any("@DISK" in a for a in args):
        disk = os.path.join(opt.workdir, "good.img")
        with open(disk, "wb") as f:
            f.truncate(64 * 1024)
        args = [a.replace("@DISK", disk) for a in args]

    cmd = [opt.vmi, *args]
    print("$", " ".join(cmd))
    try:
        r = subprocess.run(cmd, capture_output=True, text=True, errors="replace",
                           timeout=opt.time_limit)
    except subprocess.TimeoutExpired:
        print(f"FAIL: vmi did not exit within {opt.time_limit} s")
        return 1
    # vmi is the only child this script waits for; ru_maxrss is in KiB.
    rss_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss >> 10
    print("exit status:", r.returncode)
    print("stdout:", repr(r.stdout[:2000]))
    print("stderr:", repr(r.stderr[:2000]))

    problems = []
    if opt.max_rss_mb and rss_mb > opt.max_rss_mb:
        problems.append(f"vmi used {rss_mb} MiB of memory, more than {opt.max_rss_mb} MiB")
    if r.returncode != opt.status:
        problems.append(f"exit status {r.returncode}, expected {opt.status}")
    lines = r.stderr.splitlines()
    if opt.stdout is not None:
        if opt.stdout not in r.stdout:
            problems.append(f"stdout lacks {opt.stdout!r}")
        if r.stderr:
            problems.append("stderr is not empty")
    else:
        if len(lines) != 1:
            problems.append(f"stderr has {len(lines)} lines, expected one")
        elif not lines[0].startswith("vmm: "):
            problems.append("the error line does not start with 'vmm: ' (the VMM's own prefix)")
        if opt.stderr is not None and opt.stderr not in r.stderr:
            problems.append(f"stderr lacks {opt.stderr!r}")
        if r.stdout:
            problems.append("stdout is not empty")
    for msg in problems:
        print("FAIL:", msg)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
