#!/usr/bin/env python3
"""Runs the reference kernel with a virtio-blk disk (tests/guests/run_guest.py --disk) and checks
what the disk went through.

Modes:
  tests        run=tests on a fresh image: the output is tests/kernel/selftest.expected with the
               lines of --expect inserted (its lines before `SUMMARY:` before the kernel's
               SUMMARY line, the rest at the end), and the image is byte-identical afterwards.
  persistence  boot 1 run=blk:write-sig, then the image holds the signature in sector 1;
               boot 2 run=blk:check-sig finds it.
  legacy       a legacy (version 1) transport: the kernel refuses it with one line.
The image is 1 MiB and 3 sectors of random bytes, made in the working directory, so that the
last sector is not at a round offset. Exit status: 0 pass, 1 fail, 77 skip.
"""
import argparse
import hashlib
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
RUN_GUEST = os.path.join(HERE, "..", "guests", "run_guest.py")
SELFTEST_EXPECTED = os.path.join(HERE, "..", "kernel", "selftest.expected")
SECTOR = 512
IMAGE_BYTES = (1 << 20) + 3 * SECTOR
SIGNATURE = b"VMI-64 virtio-blk signature"
SKIP = 77


def digest(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def run_guest(args, image, cmdline, *checks):
    cmd = [sys.executable, RUN_GUEST, "--env", args.env, "--kernel", args.kernel,
           "--mem", "128M", "--disk", image, "--cmdline", cmdline, "--expect-status", "0"]
    if args.vmi:
        cmd += ["--vmi", args.vmi]
    if args.rom:
        cmd += ["--rom", args.rom]
    if args.rom_in_ram:
        cmd.append("--rom-in-ram")
    if args.expect_vmi:
        cmd += ["--expect-vmi", args.expect_vmi]
    if args.ro:
        cmd.append("--disk-ro")
    if args.mode == "legacy":
        cmd.append("--disk-legacy")
    for arg in args.vmi_arg:
        cmd.append("--vmi-arg=" + arg)
    rc = subprocess.run(cmd + list(checks)).returncode
    if rc == SKIP:
        os.remove(image)
        sys.exit(SKIP)
    return rc == 0


def composed_expectation(extra_path, out_path):
    with open(SELFTEST_EXPECTED) as f:
        base = f.read().splitlines(keepends=True)
    with open(extra_path) as f:
        extra = f.read().splitlines(keepends=True)
    split = next(i for i, line in enumerate(extra) if line.startswith("SUMMARY:"))
    summary = next(i for i, line in enumerate(base) if line.startswith("SUMMARY:"))
    lines = base[:summary] + extra[:split] + base[summary:] + extra[split + 1:]
    with open(out_path, "w") as f:
        f.writelines(lines)


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--env", required=True)
    p.add_argument("--kernel", required=True)
    p.add_argument("--vmi")
    p.add_argument("--rom")
    p.add_argument("--rom-in-ram", action="store_true", help="see run_guest.py")
    p.add_argument("--vmi-arg", action="append", default=[])
    p.add_argument("--expect-vmi")
    p.add_argument("--mode", choices=["tests", "persistence", "legacy"], default="tests")
    p.add_argument("--expect", help="tests mode: the virtio-blk lines (see above)")
    p.add_argument("--ro", action="store_true", help="the disk is read-only")
    p.add_argument("--image", required=True, help="where to make the disk image")
    args = p.parse_args()

    with open(args.image, "wb") as f:
        f.write(os.urandom(IMAGE_BYTES))
    before = digest(args.image)

    if args.mode == "legacy":
        ok = run_guest(args, args.image, "", "--expect-line",
                       "virtio: device at 0xfeb00e00: legacy virtio-mmio \\(version 1\\) "
                       "is not supported")
    elif args.mode == "tests":
        with tempfile.TemporaryDirectory() as tmp:
            expected = os.path.join(tmp, "expected")
            composed_expectation(args.expect, expected)
            ok = run_guest(args, args.image, "run=tests", "--expect-output", expected)
    else:
        ok = run_guest(args, args.image, "run=blk:write-sig", "--expect-line",
                       "PASS: virtio-blk signature written to sector 1 and flushed")
        with open(args.image, "rb") as f:
            f.seek(SECTOR)
            written = f.read(len(SIGNATURE)) == SIGNATURE
        if not written:
            print("FAIL: the image holds no signature in sector 1 after boot 1")
        ok = ok and written and run_guest(
            args, args.image, "run=blk:check-sig", "--expect-line",
            "PASS: virtio-blk signature of the previous boot found in sector 1")
        before = digest(args.image)  # boot 2 only reads

    after = digest(args.image)
    if after != before:
        print(f"FAIL: the disk image changed: sha256 {before} before, {after} after")
        ok = False
    elif ok:
        print(f"ok: disk image unchanged where it must be (sha256 {after})")
    os.remove(args.image)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
