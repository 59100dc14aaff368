#!/usr/bin/env python3
"""Runs the virtio_blk test guest on `vmi run` with two disks it makes, then checks the files.

Disk 0 (64 KiB) is attached read-write, disk 1 (8 KiB) read-only; sector 1 of each holds
bytes (3i + 1) mod 256. The guest must print exactly the expected output and exit 0; then disk
0's sector 2 must hold the guest's bytes (5i + 7) mod 256 and nothing else may have changed,
disk 1 not at all, neither file grown. Exit status: 0 pass, 1 fail, 77 skip (no /dev/kvm).
"""
import argparse
import os
import subprocess
import sys
import tempfile

SKIP = 77
SECTOR = 512


def pattern(mul, add):
    return bytes((i * mul + add) % 256 for i in range(SECTOR))


def image(sectors):
    data = bytearray(sectors * SECTOR)
    data[SECTOR:2 * SECTOR] = pattern(3, 1)
    return data


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--vmi", required=True)
    p.add_argument("--kernel", required=True)
    p.add_argument("--expect-output", required=True)
    p.add_argument("--timeout", type=int, default=60)
    args = p.parse_args()
    if not os.access("/dev/kvm", os.R_OK | os.W_OK):
        print("SKIP: /dev/kvm is missing or not accessible")
        return SKIP

    with tempfile.TemporaryDirectory() as work:
        disks = [os.path.join(work, "disk0.img"), os.path.join(work, "disk1.img")]
        before = [image(128), image(16)]
        for path, data in zip(disks, before):
            with open(path, "wb") as f:
                f.write(data)
        cmd = [args.vmi, "run", args.kernel, "--mem", "64M", "--timeout", str(args.timeout),
               "--disk", disks[0], "--disk", disks[1] + ",ro"]
        proc = subprocess.run(cmd, capture_output=True, text=True, errors="replace",
                              stdin=subprocess.DEVNULL, timeout=args.timeout + 30)
        after = []
        for path in disks:
            with open(path, "rb") as f:
                after.append(f.read())

    with open(args.expect_output) as f:
        expected = f.read()
    problems = []
    if proc.returncode != 0:
        problems.append(f"exit status {proc.returncode}, expected 0")
    if proc.stdout != expected:
        problems.append("console output differs:\n--- expected\n" + expected + "--- got\n" +
                        proc.stdout + "---")
    if proc.stderr:
        problems.append("stderr is not empty: " + proc.stderr)
    want0 = bytearray(before[0])
    want0[2 * SECTOR:3 * SECTOR] = pattern(5, 7)
    if after[0] != want0:
        problems.append("disk 0 does not hold exactly the guest's write to sector 2"
                        f" ({len(after[0])} bytes)")
    if after[1] != before[1]:
        problems.append("the read-only disk 1 changed")
    for msg in problems:
        print("FAIL:", msg)
    if problems:
        print("command:", " ".join(cmd))
        return 1
    sys.stdout.write(proc.stdout)
    print("ok: output, status and disk contents as expected")
    return 0


if __name__ == "__main__":
    sys.exit(main())
