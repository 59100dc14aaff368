#!/usr/bin/env python3
"""Runs the reference kernel's conformance suite (run=conform, docs/conformance.md) against a ROM
in one environment and checks what the guest cannot check alone:

- the console lines the suite wrote through CONSOLE_WRITE arrived whole and in order;
- half a second by the ROM's cycle counter and frequency took half a second by the host's clock
  (the two CLOCK: lines are timed as they arrive);
- the FAIL: lines are exactly the expected ones (--expect-fail, for broken ROMs), and the guest's
  exit status says the same (0 all passed, 1 some rule failed): the suite ends through the ROM's
  SHUTDOWN where it is bound, so that is SHUTDOWN's check.

Environments as tests/guests/run_guest.py: vmm (our VMM) and qemu-q35 (QEMU q35 TCG, the ROM as
an option ROM). Exit status: 0 pass, 1 fail, 77 skip (environment missing).
"""
import argparse
import os
import pty
import re
import select
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "guests"))
import run_guest  # noqa: E402

CLOCK_SECONDS = 0.5
# The end line can only be late (host scheduling), never early unless the frequency is wrong.
CLOCK_MIN, CLOCK_MAX = 0.4, 1.5


def run_timed(cmd, timeout, use_pty):
    """Runs cmd; returns (exit status, [(arrival time, line)], stderr). Our VMM writes its console
    line by line only to a terminal, so it gets a pty."""
    if use_pty:
        master, slave = pty.openpty()
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=slave,
                                stderr=subprocess.PIPE)
        os.close(slave)
        reader = os.fdopen(master, "rb", buffering=0)
    else:
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE)
        reader = proc.stdout
    lines, pending, deadline = [], b"", time.monotonic() + timeout
    while select.select([reader], [], [], max(0, deadline - time.monotonic()))[0]:
        try:
            chunk = reader.read(4096) if use_pty else reader.read1(4096)
        except OSError:  # the pty's other end closed
            chunk = b""
        if not chunk:
            break
        now = time.monotonic()
        pending += chunk
        while b"\n" in pending:
            line, pending = pending.split(b"\n", 1)
            lines.append((now, line.decode(errors="replace").rstrip("\r")))
    if pending:
        lines.append((time.monotonic(), pending.decode(errors="replace")))
    try:
        proc.wait(timeout=max(1, deadline - time.monotonic()))
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        return None, lines, ""
    return proc.returncode, lines, proc.stderr.read().decode(errors="replace")


def console_line(n):
    """Line n of the suite's numbered sequence (guest/kernel/conform.cpp, conform_console)."""
    return f"CONSOLE: {n:02d} " + "".join(chr(ord("a") + (n + i) % 26) for i in range(n % 13))


def check_console(texts):
    """Problems with the numbered console lines, or [] (none written is fine: not bound)."""
    try:
        start = next(i for i, t in enumerate(texts)
                     if re.fullmatch(r"conform: console: \d+ numbered lines follow", t))
    except StopIteration:
        return []
    count = int(texts[start].split()[2])
    got = texts[start + 1:start + 1 + count]
    for n in range(count):
        if n >= len(got) or got[n] != console_line(n):
            return [f"FAIL: CONSOLE_WRITE: console-order: line {n} is "
                    f"{got[n] if n < len(got) else None!r}, expected {console_line(n)!r}"]
    if start + 1 + count >= len(texts) or texts[start + 1 + count] != "conform: console: end":
        return ["FAIL: CONSOLE_WRITE: console-order: more bytes than the suite wrote"]
    print(f"PASS: CONSOLE_WRITE: console-order: {count} numbered lines whole and in order")
    return []


def check_clock(lines):
    times = {text: t for t, text in lines if text.startswith("CLOCK: ")}
    start = times.get("CLOCK: start")
    end = next((t for text, t in times.items() if text.startswith("CLOCK: end")), None)
    if start is None and end is None:
        return []
    if start is None or end is None:
        return ["FAIL: GET_CYCLE_FREQUENCY: clock: the suite's second CLOCK: line is missing"]
    took = end - start
    verdict = "PASS" if CLOCK_MIN <= took <= CLOCK_MAX else "FAIL"
    line = (f"{verdict}: GET_CYCLE_FREQUENCY: clock: {CLOCK_SECONDS} s by the cycle counter "
            f"took {took:.3f} s by the host's clock")
    print(line)
    return [line] if verdict == "FAIL" else []


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--env", required=True, choices=["vmm", "qemu-q35", "qemu-q35-kvm"])
    p.add_argument("--vmi", help="path to the vmi binary (env vmm)")
    p.add_argument("--kernel", required=True)
    p.add_argument("--rom", required=True)
    p.add_argument("--rom-variant", help="derive this variant of --rom (tests/rom/rom_variant.py)")
    p.add_argument("--vmi-arg", action="append", default=[])
    p.add_argument("--expect-fail", action="append", default=[],
                   help="regular expression a FAIL: line must match (repeatable); every FAIL: "
                        "line must match one")
    p.add_argument("--timeout", type=int, default=60)
    args = p.parse_args()
    args.mem, args.cmdline = "128M", "run=conform"
    args.disk, args.disk_ro, args.disk_legacy, args.rom_in_ram = None, False, False, False

    with tempfile.TemporaryDirectory() as workdir:
        cmd = run_guest.command(args, workdir)
        rc, lines, stderr = run_timed(cmd, args.timeout + 30, args.env == "vmm")
    texts = [text for _, text in lines]
    for text in texts:
        print(text)
    if rc is None:
        print(f"FAIL: {args.env}: the guest did not stop within {args.timeout + 30} s")
        return 1

    guest_fails = [t for t in texts if t.startswith("FAIL: ")]
    fails = guest_fails + check_console(texts) + check_clock(lines)
    problems = [] if any(t.startswith("CONFORM: ") for t in texts) else ["no CONFORM: line"]
    for pattern in args.expect_fail:
        if not any(re.match(pattern, f) for f in fails):
            problems.append(f"no FAIL: line matches {pattern!r}")
    problems += [f"unexpected {f!r}" for f in fails
                 if not any(re.match(pattern, f) for pattern in args.expect_fail)]
    status = run_guest.guest_status(args.env, rc)
    if status != (1 if guest_fails else 0):
        problems.append(f"guest status {status} (exit {rc}) does not say "
                        f"{'some rule failed' if guest_fails else 'all passed'}")
    elif any(t.startswith("SKIP: SHUTDOWN: ") for t in texts):
        print(f"PASS: SHUTDOWN: status: the suite's status {status} reached the host")
    if problems:
        print("failed: " + "; ".join(problems))
        print("command: " + " ".join(cmd))
        print("stderr:\n" + stderr)
        return 1
    print(f"ok: {args.env}: conformance as expected ({len(fails)} expected FAIL lines)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
