"""VMM-level figures: start-to-guest-entry time and the monitor's memory overhead against QEMU
microvm (KVM) with the same guest and RAM size, the boot with and without the ROM, and the
port-I/O round trip through Machine::run() against a bare KVM_RUN loop (vmm-pio-bench)."""

import json
import os
import pty
import re
import select
import subprocess
import tempfile
import time

from . import stats

QEMU_STATUS_OK = (42 << 1) | 1  # isa-debug-exit of the guest's 42
GUEST_STATUS_OK = 42


def _qemu_argv(paths, kernel, mem_mib, append=None):
    argv = [paths["qemu"], "-M", "microvm", "-accel", "kvm", "-cpu", "host,-arch-capabilities",
            "-m", f"{mem_mib}M", "-nodefaults", "-no-user-config", "-nographic",
            "-serial", "stdio", "-no-reboot", "-kernel", kernel,
            "-device", "isa-debug-exit,iobase=0xf4,iosize=4"]
    return argv + (["-append", append] if append else [])


def _launch_to_first_byte(argv, timeout):
    """Times one launch on a pty (so that vmi's stdio is line-buffered, as on a terminal):
    (seconds to the first byte of output, seconds to process exit, status, error)."""
    master, slave = pty.openpty()
    err = tempfile.TemporaryFile()
    first = None
    try:
        t0 = time.perf_counter()
        proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=slave, stderr=err)
        os.close(slave)
        slave = None
        deadline = t0 + timeout
        while True:
            left = deadline - time.perf_counter()
            if left <= 0:
                proc.kill()
                proc.wait()
                return None, None, None, f"no exit within {timeout} s"
            ready, _, _ = select.select([master], [], [], left)
            if not ready:
                continue
            try:
                data = os.read(master, 4096)
            except OSError:  # EIO: every writer closed the pty
                data = b""
            if data and first is None:
                first = time.perf_counter() - t0
            if not data:
                break
        status = proc.wait()
        total = time.perf_counter() - t0
        if first is None:
            err.seek(0)
            return None, total, status, "no output; stderr: " + err.read().decode(
                errors="replace").strip()[-300:]
        return first, total, status, None
    finally:
        if slave is not None:
            os.close(slave)
        os.close(master)
        err.close()


def start_to_entry(paths, launches, mem_mib, progress, timeout=60):
    """Interleaved launches of the entry_mark guest under `vmi run` (defaults: the bundled ROM
    is mapped too) and QEMU microvm/KVM, after one untimed launch of each."""
    guest = paths["entry_guest"]
    monitors = [("vmi", [paths["vmi"], "run", guest, "--mem", f"{mem_mib}M"], GUEST_STATUS_OK),
                ("qemu-kvm", _qemu_argv(paths, guest, mem_mib), QEMU_STATUS_OK)]
    out = {"guest": guest, "launches": launches, "samples": {m: [] for m, _, _ in monitors},
           "argv": {m: a for m, a, _ in monitors}, "errors": []}
    for i in range(-1, launches):
        for name, argv, ok in (monitors if i % 2 == 0 else monitors[::-1]):
            progress(f"start-to-entry  {name}  launch {max(i + 1, 0)}/{launches}"
                     + ("  (warm-up)" if i < 0 else ""))
            first, total, status, error = _launch_to_first_byte(argv, timeout)
            if error is None and status != ok:
                error = f"exit status {status}, expected {ok}"
            if error:
                out["errors"].append(f"{name}: {error}")
                continue
            if i >= 0:
                out["samples"][name].append({"launch": i, "entry_ms": first * 1e3,
                                             "exit_ms": total * 1e3})
    for name in out["samples"]:
        s = out["samples"][name]
        out[name] = {"entry_ms": stats.summarize([x["entry_ms"] for x in s]),
                     "exit_ms": stats.summarize([x["exit_ms"] for x in s])}
    # Pairs are the two launches of one round (a launch that failed leaves its partner out).
    q = {x["launch"]: x for x in out["samples"]["qemu-kvm"]}
    pairs = [(x, q[x["launch"]]) for x in out["samples"]["vmi"] if x["launch"] in q]
    out["ratio_qemu_over_vmi"] = stats.summarize([b["entry_ms"] / a["entry_ms"]
                                                  for a, b in pairs])
    out["ratio_exit_qemu_over_vmi"] = stats.summarize([b["exit_ms"] / a["exit_ms"]
                                                       for a, b in pairs])
    return out


_MAP_HEADER = re.compile(r"^[0-9a-f]+-[0-9a-f]+\s+\S+\s+\S+\s+\S+\s+\d+\s*(.*)$")


def _smaps(pid, guest_kib):
    """One reading of /proc/PID/smaps, split into guest RAM (the anonymous mapping of the guest's
    size; QEMU and vmi both keep RAM in one) and everything else."""
    with open(f"/proc/{pid}/smaps") as f:
        text = f.read()
    maps, cur = [], None
    for line in text.splitlines():
        m = _MAP_HEADER.match(line)
        if m:
            cur = {"path": m.group(1).strip(), "Size": 0, "Rss": 0, "Pss": 0, "Anonymous": 0}
            maps.append(cur)
            continue
        key, _, rest = line.partition(":")
        if cur is not None and key in cur and key != "path":
            cur[key] = int(rest.split()[0])
    total = {k: sum(m[k] for m in maps) for k in ("Rss", "Pss", "Anonymous")}
    guest = [m for m in maps if not m["path"] and guest_kib <= m["Size"] <= guest_kib + 4096]
    g = {k: sum(m[k] for m in guest) for k in ("Rss", "Pss", "Anonymous")}
    files = {}
    for m in maps:
        if m["path"] and not m["path"].startswith("["):
            name = os.path.basename(m["path"])
            files[name] = files.get(name, 0) + m["Rss"]
    hwm = None
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    hwm = int(line.split()[1])
    except OSError:
        pass
    return {"rss_kib": total["Rss"], "pss_kib": total["Pss"], "anon_kib": total["Anonymous"],
            "guest_rss_kib": g["Rss"], "guest_pss_kib": g["Pss"], "guest_anon_kib": g["Anonymous"],
            "guest_mappings": len(guest), "vm_hwm_kib": hwm,
            "overhead_rss_kib": total["Rss"] - g["Rss"],
            "overhead_pss_kib": total["Pss"] - g["Pss"],
            "overhead_anon_kib": total["Anonymous"] - g["Anonymous"],
            "file_rss_kib": dict(sorted(files.items(), key=lambda kv: -kv[1])[:8])}


def _run_sampled(argv, expected, guest_kib, timeout, interval=0.02):
    """Runs a guest, reading smaps every `interval` s; returns the reading with the largest
    overhead (RSS minus guest RAM) and the largest VmHWM seen."""
    err = tempfile.TemporaryFile()
    proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=err)
    best, hwm, readings = None, 0, 0
    t0 = time.monotonic()
    try:
        while proc.poll() is None:
            if time.monotonic() - t0 > timeout:
                proc.kill()
                proc.wait()
                return None, f"no exit within {timeout} s"
            try:
                s = _smaps(proc.pid, guest_kib)
            except (OSError, ValueError, IndexError):
                s = None  # exiting between the check and the read
            if s and s["guest_mappings"]:
                readings += 1
                hwm = max(hwm, s["vm_hwm_kib"] or 0)
                if best is None or s["overhead_rss_kib"] > best["overhead_rss_kib"]:
                    best = s
            time.sleep(interval)
        status = proc.wait()
    finally:
        err.seek(0)
        stderr = err.read().decode(errors="replace")
        err.close()
    if status != expected:
        return None, f"exit status {status}, expected {expected}: {stderr.strip()[-300:]}"
    if best is None:
        return None, "the run ended before smaps could be read"
    best["vm_hwm_max_kib"] = hwm
    best["readings"] = readings
    return best, None


def memory_overhead(paths, launches, mem_mib, workload, progress, timeout=300):
    """RSS of each monitor running the reference kernel's `workload` (a command line), minus
    the resident part of its guest-RAM mapping."""
    kernel = os.path.join(paths["bin"], "kernel.elf")
    guest_kib = mem_mib * 1024
    monitors = [("vmi", [paths["vmi"], "run", kernel, "--mem", f"{mem_mib}M",
                         "--cmdline", workload], 0),
                ("qemu-kvm", _qemu_argv(paths, kernel, mem_mib, workload), 1)]
    out = {"workload": workload, "mem_mib": mem_mib, "launches": launches,
           "argv": {m: a for m, a, _ in monitors}, "samples": {m: [] for m, _, _ in monitors},
           "errors": []}
    for i in range(launches):
        for name, argv, ok in (monitors if i % 2 == 0 else monitors[::-1]):
            progress(f"memory  {name}  launch {i + 1}/{launches}")
            s, error = _run_sampled(argv, ok, guest_kib, timeout)
            if error:
                out["errors"].append(f"{name}: {error}")
            else:
                out["samples"][name].append(s)
    for name, samples in out["samples"].items():
        out[name] = {k: stats.summarize([s[k] for s in samples])
                     for k in ("vm_hwm_max_kib", "rss_kib", "guest_rss_kib", "overhead_rss_kib",
                               "overhead_pss_kib", "overhead_anon_kib")}
        out[name]["file_rss_kib"] = samples[-1]["file_rss_kib"] if samples else {}
    return out


def rom_boot(paths, launches, mem_mib, progress, timeout=60):
    """Launch to exit of `vmi run kernel.elf` (no run=: the kernel binds, prints its facts and
    exits), with the bundled ROM and `--no-rom`, interleaved after one untimed launch of each;
    on a pty like start_to_entry."""
    kernel = os.path.join(paths["bin"], "kernel.elf")
    sides = [("rom", [paths["vmi"], "run", kernel, "--mem", f"{mem_mib}M"]),
             ("norom", [paths["vmi"], "run", kernel, "--mem", f"{mem_mib}M", "--no-rom"])]
    out = {"launches": launches, "argv": dict(sides), "samples": {s: [] for s, _ in sides},
           "errors": []}
    for i in range(-1, launches):
        for name, argv in (sides if i % 2 == 0 else sides[::-1]):
            progress(f"boot  {name}  launch {max(i + 1, 0)}/{launches}"
                     + ("  (warm-up)" if i < 0 else ""))
            _, total, status, error = _launch_to_first_byte(argv, timeout)
            if error is None and status != 0:
                error = f"exit status {status}, expected 0"
            if error:
                out["errors"].append(f"{name}: {error}")
            elif i >= 0:
                out["samples"][name].append({"launch": i, "exit_ms": total * 1e3})
    for name in out["samples"]:
        out[name] = {"exit_ms": stats.summarize([x["exit_ms"] for x in out["samples"][name]])}
    n = {x["launch"]: x for x in out["samples"]["norom"]}
    out["ratio_rom_over_norom"] = stats.summarize(
        [x["exit_ms"] / n[x["launch"]]["exit_ms"] for x in out["samples"]["rom"]
         if x["launch"] in n])
    return out


PIO_UNAVAILABLE = 69  # vmm-pio-bench: no usable /dev/kvm


def pio_round_trip(paths, reps, iters, progress, timeout=600):
    """Runs vmm-pio-bench (Machine::run() against a bare KVM_RUN loop, in-process) and keeps
    its raw pairs; analysis.py turns them into figures."""
    argv = [paths["pio_bench"], paths["pio_guest"], "--iters", str(iters), "--reps", str(reps)]
    out = {"argv": argv, "iters": iters, "reps": reps, "pairs": [], "errors": []}
    progress(f"port-I/O round trips  {reps} pairs of {iters:,} writes")
    try:
        proc = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                              timeout=timeout)
    except (OSError, subprocess.TimeoutExpired) as e:
        out["errors"].append(f"vmm-pio-bench: {e}")
        return out
    for line in proc.stdout.splitlines():
        try:
            out["pairs"].append(json.loads(line))
        except json.JSONDecodeError:
            out["errors"].append(f"vmm-pio-bench: unparsable line {line[:120]!r}")
    if proc.returncode == PIO_UNAVAILABLE:
        out["missing"] = proc.stderr.strip()
    elif proc.returncode != 0:
        out["errors"].append(f"vmm-pio-bench exit status {proc.returncode}: "
                             f"{proc.stderr.strip()[-300:]}")
    elif len(out["pairs"]) != reps:
        out["errors"].append(f"vmm-pio-bench printed {len(out['pairs'])} pairs, expected {reps}")
    return out
