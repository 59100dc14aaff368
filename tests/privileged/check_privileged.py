#!/usr/bin/env python3
"""Only guest/vmi executes privileged or sensitive instructions (docs/design.md §2.4).

Three checks:
 1. source: no inline or standalone assembly in guest/kernel (all of it lives in guest/vmi,
    where the call sites and native helpers are);
 2. binary: in the kernel ELF, every such instruction lies inside a recorded VMI call site
    (.vmi_sites) or inside a function defined by guest/vmi (its object files' symbols);
 3. binary: user programs (guest/user, which may use `syscall` and `rdtsc` in assembly)
    contain none at all.
"""
import argparse
import os
import re
import struct
import subprocess
import sys

# objdump prints legacy prefixes first ("cs cli" at a lengthened native site).
PRIVILEGED = re.compile(
    r"^(?:(?:cs|ds|es|ss|data16|addr32|rex\S*)\s+)*(cli|sti|hlt|lgdt|lidt|lldt|ltr|sgdt|sidt|invlpg|invd|wbinvd|rdmsr|wrmsr|rdpmc|"
    r"in|ins[bwl]?|out|outs[bwl]?|iretq?|sysretq?|sysexit|swapgs|clts|lmsw|cpuid|pushfq?|popfq?|"
    r"mov\s+%[cd]r\d|mov\s+\S+,%[cd]r\d)\b")
ASM_IN_SOURCE = re.compile(r"\basm\b|__asm__")


def check_sources(root):
    errors = []
    for sub in ("guest/kernel",):
        for dirpath, _, files in os.walk(os.path.join(root, sub)):
            for name in files:
                path = os.path.join(dirpath, name)
                if name.endswith((".S", ".s", ".asm")):
                    errors.append(f"{path}: assembly source outside guest/vmi")
                    continue
                if not name.endswith((".cpp", ".hpp", ".h", ".c")):
                    continue
                for n, line in enumerate(open(path, errors="replace"), 1):
                    code = line.split("//")[0]
                    if ASM_IN_SOURCE.search(code):
                        errors.append(f"{path}:{n}: inline assembly outside guest/vmi")
    return errors


def section(elf, name):
    out = subprocess.run(["objdump", "-h", elf], capture_output=True, text=True, check=True).stdout
    for line in out.splitlines():
        f = line.split()
        if len(f) >= 6 and f[1] == name:
            return int(f[3], 16), int(f[2], 16), int(f[5], 16)  # vma, size, file offset
    return None


def sites(elf):
    """[(start, end)] of every recorded call site."""
    sec = section(elf, ".vmi_sites")
    if not sec:
        return []
    vma, size, offset = sec
    data = open(elf, "rb").read()[offset:offset + size]
    ranges = []
    for i in range(0, size - size % 8, 8):
        rel, _call, length, _ = struct.unpack_from("<iHBB", data, i)
        start = (vma + i + rel) & (2**64 - 1)
        ranges.append((start, start + length))
    return ranges


def runtime_functions(objects):
    names = set()
    for obj in objects:
        out = subprocess.run(["nm", "--defined-only", obj], capture_output=True, text=True,
                             check=True).stdout
        for line in out.splitlines():
            f = line.split()
            if len(f) == 3:
                names.add(f[2])
    return names


def disassemble(elf):
    out = subprocess.run(["objdump", "-d", "--no-show-raw-insn", elf], capture_output=True,
                         text=True, check=True).stdout
    function = None
    for line in out.splitlines():
        m = re.match(r"^([0-9a-f]+) <(.+)>:$", line)
        if m:
            function = m.group(2)
            continue
        m = re.match(r"^\s*([0-9a-f]+):\s+(.*)$", line)
        if m:
            yield function, int(m.group(1), 16), m.group(2).strip()


def check_user_program(elf):
    return [f"{elf}: {addr:#x} in {function}: '{insn}' in a user program"
            for function, addr, insn in disassemble(elf) if PRIVILEGED.match(insn)]


def check_binary(elf, objects):
    allowed_functions = runtime_functions(objects)
    site_ranges = sites(elf)
    errors = []
    for function, addr, insn in disassemble(elf):
        if not PRIVILEGED.match(insn):
            continue
        if function in allowed_functions:
            continue
        if any(start <= addr < end for start, end in site_ranges):
            continue
        errors.append(f"{elf}: {addr:#x} in {function}: '{insn}' outside guest/vmi and "
                      "outside any VMI call site")
    return errors, len(site_ranges)


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--root", required=True, help="source tree")
    p.add_argument("--kernel", required=True, help="kernel ELF with VMI call sites")
    p.add_argument("--runtime-objects", nargs="+", required=True,
                   help="object files built from guest/vmi")
    p.add_argument("--user-programs", nargs="*", default=[], help="user program ELFs")
    args = p.parse_args()
    errors = check_sources(args.root)
    for program in args.user_programs:
        errors += check_user_program(program)
    binary_errors, nsites = check_binary(args.kernel, args.runtime_objects)
    errors += binary_errors
    for e in errors:
        print("FAIL: " + e)
    if nsites == 0:
        print("FAIL: no .vmi_sites records found: the check would be vacuous")
        return 1
    if errors:
        return 1
    print(f"PASS: privileged instructions only in guest/vmi or at {nsites} VMI call sites; "
          f"none in {len(args.user_programs)} user programs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
