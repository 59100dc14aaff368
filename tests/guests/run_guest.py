#!/usr/bin/env python3
"""Runs one test guest in one environment and checks its console output and exit status.

Environments: vmm (our `vmi run`), qemu-tcg and qemu-kvm (QEMU -M microvm). QEMU's
isa-debug-exit turns guest status v into process status (v << 1) | 1; `vmi run` returns v.
Exit status: 0 pass, 1 fail, 77 skip (environment missing; ctest SKIP_RETURN_CODE).
"""
import argparse
import os
import shutil
import subprocess
import sys

SKIP = 77


def skip(reason):
    print(f"SKIP: {reason}")
    sys.exit(SKIP)


def kvm_usable():
    return os.access("/dev/kvm", os.R_OK | os.W_OK)


def command(args):
    if args.env == "vmm":
        if not kvm_usable():
            skip("/dev/kvm is missing or not accessible")
        cmd = [args.vmi, "run", args.kernel, "--mem", args.mem, "--timeout", str(args.timeout)]
        if args.cmdline:
            cmd += ["--cmdline", args.cmdline]
        return cmd
    qemu = shutil.which("qemu-system-x86_64")
    if not qemu:
        skip("qemu-system-x86_64 is not installed")
    cmd = [qemu, "-M", "microvm", "-m", args.mem, "-nodefaults", "-no-user-config",
           "-nographic", "-serial", "stdio", "-no-reboot", "-kernel", args.kernel,
           "-device", "isa-debug-exit,iobase=0xf4,iosize=4"]
    if args.env == "qemu-kvm":
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
    if env == "vmm":
        return rc
    return (rc - 1) // 2 if rc % 2 == 1 else None


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--env", required=True, choices=["vmm", "qemu-tcg", "qemu-kvm"])
    p.add_argument("--vmi", help="path to the vmi binary (env vmm)")
    p.add_argument("--kernel", required=True)
    p.add_argument("--expect-output", required=True, help="file with the exact console output")
    p.add_argument("--expect-status", type=int, required=True)
    p.add_argument("--expect-stderr", help="substring the monitor must print on stderr")
    p.add_argument("--cmdline", default="")
    p.add_argument("--mem", default="64M")
    p.add_argument("--timeout", type=int, default=60)
    args = p.parse_args()

    cmd = command(args)
    try:
        proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              stdin=subprocess.DEVNULL, timeout=args.timeout + 30)
    except subprocess.TimeoutExpired:
        print(f"FAIL: {args.env}: monitor did not stop within {args.timeout + 30} s")
        return 1
    output = proc.stdout.decode(errors="replace").replace("\r\n", "\n")
    stderr = proc.stderr.decode(errors="replace")
    with open(args.expect_output) as f:
        expected = f.read()

    ok = True
    status = guest_status(args.env, proc.returncode)
    if status != args.expect_status:
        print(f"FAIL: {args.env}: exit status {proc.returncode} (guest status {status}), "
              f"expected guest status {args.expect_status}")
        ok = False
    if output != expected:
        print(f"FAIL: {args.env}: console output differs from {args.expect_output}")
        print("--- expected\n" + expected + "--- got\n" + output + "---")
        ok = False
    if args.expect_stderr and args.expect_stderr not in stderr:
        print(f"FAIL: {args.env}: stderr lacks {args.expect_stderr!r}")
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
