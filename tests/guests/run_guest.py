#!/usr/bin/env python3
"""Runs one guest in one environment and checks its console output and exit status.

Environments: vmm (our `vmi run` with its ROM, or --rom/--rom-variant), vmm-norom,
qemu-tcg and qemu-kvm (QEMU -M microvm, no ROM unless --rom-in-ram), qemu-q35 (QEMU q35 TCG
with our ROM as an option ROM: SeaBIOS, no VMM behind the ROM), qemu-q35-kvm (the same on KVM).
QEMU's isa-debug-exit turns guest status v into
process status (v << 1) | 1; `vmi run` returns v.
With --disk, the guest gets a virtio-blk disk: `vmi run --disk FILE[,ro]`, or on QEMU a modern
virtio-mmio transport (`-M microvm,acpi=off`, which announces it on the command line).
With --expect-vmi, the guest's `vmi: ` line must match that regular expression and the rest of
the output must equal the expected file; firmware output before it (SeaBIOS) is ignored.
Exit status: 0 pass, 1 fail, 77 skip (environment missing; ctest SKIP_RETURN_CODE).
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile

SKIP = 77
VARIANT_TOOL = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "rom",
                            "rom_variant.py")


def skip(reason):
    print(f"SKIP: {reason}")
    sys.exit(SKIP)


def kvm_usable():
    return os.access("/dev/kvm", os.R_OK | os.W_OK)


def command(args, workdir):
    if args.env in ("vmm", "vmm-norom"):
        if not kvm_usable():
            skip("/dev/kvm is missing or not accessible")
        cmd = [args.vmi, "run", args.kernel, "--mem", args.mem, "--timeout", str(args.timeout)]
        if args.env == "vmm-norom":
            cmd.append("--no-rom")
        elif args.rom_variant:
            rom = os.path.join(workdir, args.rom_variant + ".rom")
            subprocess.run([sys.executable, VARIANT_TOOL, args.rom_variant, args.rom, rom],
                           check=True)
            cmd += ["--rom", rom]
        elif args.rom:
            cmd += ["--rom", args.rom]
        if args.cmdline:
            cmd += ["--cmdline", args.cmdline]
        if args.disk:
            cmd += ["--disk", args.disk + (",ro" if args.disk_ro else "")]
        return cmd + args.vmi_arg
    qemu = shutil.which("qemu-system-x86_64")
    if not qemu:
        skip("qemu-system-x86_64 is not installed")
    q35 = args.env.startswith("qemu-q35")
    machine = "q35" if q35 else "microvm"
    if args.disk and machine == "microvm":
        machine += ",acpi=off"
    cmd = [qemu, "-M", machine, "-m", args.mem, "-nodefaults", "-no-user-config",
           "-nographic", "-serial", "stdio", "-no-reboot", "-kernel", args.kernel,
           "-device", "isa-debug-exit,iobase=0xf4,iosize=4"]
    if q35:
        cmd += ["-option-rom", args.rom]
    elif args.rom_in_ram:
        # microvm's firmware places no option ROM; QEMU's generic loader writes it where the
        # kernel scans (docs/design.md §2.3), before the guest starts.
        cmd += ["-device", f"loader,file={args.rom},addr=0xc0000,force-raw=on"]
    if args.disk:
        # QEMU's virtio-mmio transport is legacy (version 1) unless told otherwise.
        legacy = "true" if args.disk_legacy else "false"
        cmd += ["-global", f"virtio-mmio.force-legacy={legacy}",
                "-device", "virtio-blk-device,drive=d0",
                "-drive", f"id=d0,file={args.disk},format=raw,if=none" +
                (",readonly=on" if args.disk_ro else "")]
    if args.env in ("qemu-kvm", "qemu-q35-kvm"):
        if not kvm_usable():
            skip("/dev/kvm is missing or not accessible")
        cmd += ["-accel", "kvm", "-cpu", "host,-arch-capabilities"]
    else:
        cmd += ["-accel", "tcg"]
    if args.cmdline:
        cmd += ["-append", args.cmdline]
    return cmd


def guest_status(env, rc):
    """The guest's debug-exit value, or None if the monitor stopped for another reason."""
    if env.startswith("vmm"):
        return rc
    return (rc - 1) // 2 if rc % 2 == 1 else None


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--env", required=True,
                   choices=["vmm", "vmm-norom", "qemu-tcg", "qemu-kvm", "qemu-q35",
                            "qemu-q35-kvm"])
    p.add_argument("--rom", help="ROM image (vmm: --rom; qemu-q35*: -option-rom)")
    p.add_argument("--rom-in-ram", action="store_true",
                   help="qemu-tcg, qemu-kvm: put --rom at 0xC0000 with QEMU's generic loader")
    p.add_argument("--rom-variant", help="derive this variant of --rom (tests/rom/rom_variant.py)")
    p.add_argument("--expect-vmi", help="regular expression for the guest's `vmi: ` line")
    p.add_argument("--vmi", help="path to the vmi binary (env vmm)")
    p.add_argument("--vmi-arg", action="append", default=[],
                   help="extra argument for `vmi run` (repeatable)")
    p.add_argument("--kernel", required=True)
    out = p.add_mutually_exclusive_group(required=True)
    out.add_argument("--expect-output", help="file with the exact console output")
    out.add_argument("--expect-line", action="append",
                     help="regular expression some output line must match (repeatable), where "
                          "the exact output varies, e.g. a fault report's addresses")
    p.add_argument("--expect-status", type=int, required=True)
    p.add_argument("--expect-stderr", help="substring the monitor must print on stderr")
    p.add_argument("--cmdline", default="")
    p.add_argument("--disk", help="raw disk image for a virtio-blk device")
    p.add_argument("--disk-ro", action="store_true", help="the disk is read-only")
    p.add_argument("--disk-legacy", action="store_true",
                   help="QEMU only: a legacy (version 1) virtio-mmio transport")
    p.add_argument("--mem", default="64M")
    p.add_argument("--timeout", type=int, default=60)
    args = p.parse_args()

    with tempfile.TemporaryDirectory() as workdir:
        return run(args, command(args, workdir))


def split_vmi_line(output):
    """Returns (vmi line or None, output after it); drops firmware noise before it."""
    m = re.search(r"vmi: [^\n]*\n", output)
    if not m:
        return None, output
    return m.group(0).rstrip("\n"), output[m.end():]


def run(args, cmd):
    try:
        proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              stdin=subprocess.DEVNULL, timeout=args.timeout + 30)
    except subprocess.TimeoutExpired:
        print(f"FAIL: {args.env}: monitor did not stop within {args.timeout + 30} s")
        return 1
    output = proc.stdout.decode(errors="replace").replace("\r\n", "\n")
    stderr = proc.stderr.decode(errors="replace")
    expected = None
    if args.expect_output:
        with open(args.expect_output) as f:
            expected = f.read()

    ok = True
    if args.expect_vmi:
        vmi_line, output = split_vmi_line(output)
        if vmi_line is None or not re.fullmatch(args.expect_vmi, vmi_line):
            print(f"FAIL: {args.env}: vmi line {vmi_line!r} does not match {args.expect_vmi!r}")
            ok = False
        else:
            print(vmi_line)
    status = guest_status(args.env, proc.returncode)
    if status != args.expect_status:
        print(f"FAIL: {args.env}: exit status {proc.returncode} (guest status {status}), "
              f"expected guest status {args.expect_status}")
        ok = False
    if expected is not None and output != expected:
        print(f"FAIL: {args.env}: console output differs from {args.expect_output}")
        print("--- expected\n" + expected + "--- got\n" + output + "---")
        ok = False
    for pattern in args.expect_line or []:
        if not any(re.fullmatch(pattern, line) for line in output.splitlines()):
            print(f"FAIL: {args.env}: no output line matches {pattern!r}")
            print("--- got\n" + output + "---")
            ok = False
    if args.expect_stderr and args.expect_stderr not in stderr:
        print(f"FAIL: {args.env}: stderr lacks {args.expect_stderr!r}")
        ok = False
    # The VMM's own lines are told apart from the guest's by their prefix.
    if args.env.startswith("vmm"):
        unprefixed = [line for line in stderr.splitlines() if not line.startswith("vmm: ")]
        if unprefixed:
            print(f"FAIL: {args.env}: stderr lines without the `vmm: ` prefix: {unprefixed[:3]!r}")
            ok = False
    if not ok:
        print("command: " + " ".join(cmd))
        print("stderr:\n" + stderr)
        return 1
    sys.stdout.write(output)
    print(f"ok: {args.env}: output and status {status} as expected")
    return 0


if __name__ == "__main__":
    sys.exit(main())
