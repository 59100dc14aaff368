#!/usr/bin/env python3
"""Checks that `vmi run` delivers guest console output whole, and how it ends when it cannot.

Modes (each needs /dev/kvm; exit status 77 means SKIP):
  slow-reader  the flood guest's stream, read only after 2 s and then in small pieces (slower
               than the guest writes, so vmi's writes block again and again), must
               arrive byte for byte, and vmi must exit 0 with nothing on stderr;
  close-early  the reader closes the pipe after 100 bytes: exit 74, one `vmm:` line;
  dev-full     stdout is /dev/full: exit 74, one `vmm:` line;
  signal       SIGTERM or SIGINT (--signal) to a spinning guest: exit 128 + signal, one `vmm:`
               line, and what the guest printed so far on stdout;
  limit        --console-limit N: exactly the first N bytes of the stream, exit 85, one line.
"""
import argparse
import os
import signal
import subprocess
import sys
import time

SKIP = 77


def flood_stream(kib):
    """The flood guest's output (tests/guests/flood.cpp) for `kib` KiB."""
    body = b"".join(bytes([ord("a") + line % 26]) * 63 + b"\n" for line in range(1, 64))
    return b"".join((b"block %08x" % b).ljust(63, b".") + b"\n" + body for b in range(kib // 4))


def one_vmm_line(stderr, needle, problems):
    lines = stderr.decode(errors="replace").splitlines()
    if len(lines) != 1 or not lines[0].startswith("vmm: "):
        problems.append(f"stderr should be one `vmm:` line, got {lines!r}")
    elif needle not in lines[0]:
        problems.append(f"stderr line lacks {needle!r}: {lines[0]!r}")


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--vmi", required=True)
    p.add_argument("--guest", required=True, help="flood guest, or the spin guest for `signal`")
    p.add_argument("--mode", required=True,
                   choices=["slow-reader", "close-early", "dev-full", "signal", "limit"])
    p.add_argument("--path", default="uart", choices=["uart", "hypercall"])
    p.add_argument("--kib", type=int, default=256)
    p.add_argument("--limit", type=int, default=0)
    p.add_argument("--signal", default="TERM", choices=["TERM", "INT"])
    p.add_argument("--expect-stdout", default="", help="signal mode: the guest's output so far")
    p.add_argument("--chunk", type=int, default=4096, help="slow-reader: bytes per read")
    p.add_argument("--delay", type=float, default=0.0005, help="slow-reader: seconds between reads")
    opt = p.parse_args()
    if not os.access("/dev/kvm", os.R_OK | os.W_OK):
        print("SKIP: /dev/kvm is missing or not accessible")
        return SKIP

    cmd = [opt.vmi, "run", opt.guest, "--timeout", "120",
           "--cmdline", f"path={opt.path} kib={opt.kib}"]
    if opt.limit:
        cmd += ["--console-limit", str(opt.limit)]
    print("$", " ".join(cmd))
    expected = flood_stream(opt.kib)
    problems = []

    if opt.mode == "dev-full":
        with open("/dev/full", "wb") as full:
            r = subprocess.run(cmd, stdout=full, stderr=subprocess.PIPE, timeout=180)
        status, out, err = r.returncode, b"", r.stderr
        want_status, needle = 74, "No space left on device"
    else:
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                stdin=subprocess.DEVNULL)
        out = b""
        if opt.mode == "slow-reader":
            time.sleep(2)  # the pipe fills and vmi's writes block meanwhile
            while chunk := proc.stdout.read1(opt.chunk):
                out += chunk
                time.sleep(opt.delay)
            want_status, needle = 0, None
        elif opt.mode == "close-early":
            out = proc.stdout.read(100)
            proc.stdout.close()
            want_status, needle = 74, "Broken pipe"
        elif opt.mode == "signal":
            time.sleep(1.5)
            proc.send_signal(getattr(signal, "SIG" + opt.signal))
            out = proc.stdout.read()
            want_status = 128 + getattr(signal, "SIG" + opt.signal)
            needle = "stopped by SIG" + opt.signal
            expected = opt.expect_stdout.encode().decode("unicode_escape").encode()
        else:  # limit
            out = proc.stdout.read()
            want_status, needle = 85, "--console-limit"
            expected = expected[: opt.limit]
        try:
            err = proc.stderr.read()
            status = proc.wait(timeout=180)
        except subprocess.TimeoutExpired:
            proc.kill()
            print("FAIL: vmi did not stop")
            return 1

    print(f"exit status {status}, {len(out)} bytes on stdout, stderr {err[:500]!r}")
    if status != want_status:
        problems.append(f"exit status {status}, expected {want_status}")
    if needle is None:
        if err:
            problems.append("stderr is not empty")
    else:
        one_vmm_line(err, needle, problems)
    if opt.mode == "close-early":
        if out != expected[:100]:
            problems.append("the first 100 bytes differ from the guest's stream")
    elif opt.mode != "dev-full" and out != expected:
        at = next((i for i, (a, b) in enumerate(zip(out, expected)) if a != b),
                  min(len(out), len(expected)))
        problems.append(f"stdout differs from the expected {len(expected)} bytes "
                        f"(got {len(out)}; first difference at byte {at})")
    for msg in problems:
        print("FAIL:", msg)
    if not problems:
        print(f"ok: {opt.mode}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
