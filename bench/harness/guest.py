"""One guest boot: run the monitor, collect the kernel's JSON lines and `--stats` exits, and
check that the environment is the one intended (exit status, binding line, ROM name)."""

import json
import os
import re
import shutil
import subprocess
import tempfile
import time

from . import envs as envmod

_PORT_LINE = re.compile(r"^\s*(0x[0-9a-fA-F]+)\s+(in|out)\s+(\d+)\s*$")


def parse_stats(stderr):
    """`vmi run --stats` output: exits by reason, then port I/O by port and direction."""
    reasons, ports, section = {}, {}, None
    for line in stderr.splitlines():
        if line.startswith("exits by reason"):
            section = "reason"
            continue
        if line.startswith("port I/O by port"):
            section = "port"
            continue
        if not line.startswith("  "):
            section = None
            continue
        if section == "reason":
            parts = line.strip().rsplit(None, 1)
            if len(parts) == 2 and parts[1].isdigit():
                reasons[parts[0]] = int(parts[1])
        elif section == "port":
            m = _PORT_LINE.match(line)
            if m:
                ports[f"{m.group(1)} {m.group(2)}"] = int(m.group(3))
    if not reasons:
        return None
    total = reasons.pop("total", sum(reasons.values()))
    return {"total": total, "by_reason": reasons, "by_port": ports}


def _tail(text, lines=8):
    # Console benchmark output is 64 KiB of letters: keep only lines that say something.
    keep = [l for l in text.splitlines() if l.strip() and not re.fullmatch(r"[a-z]+", l)]
    return "\n".join(keep[-lines:])


def cmdline_for(group, iterations):
    """`iterations` is a count or a text such as "200,work=1000" (the crossover's)."""
    cmd = f"run=bench:{group}"
    return cmd if iterations is None else f"{cmd} iterations={iterations}"


def crossover_args(calls, work):
    """The crossover through the kernel's syscall benchmark name (guest/user/ubench.cpp)."""
    return "syscall", f"{calls},work={work}"


def run(env, group, iterations, paths, mem_mib, timeout, expect=None):
    """Boots `env` once for `group`. Returns a sample dict; sample["error"] is None when the
    run is what was intended. `expect`: the result names it must print, in order."""
    if group not in envmod.DISK_GROUPS:
        return _run(env, group, iterations, paths, mem_mib, timeout, expect, None)
    # The disk group writes: a sparse scratch image of its own for every boot, removed after.
    scratch = tempfile.mkdtemp(prefix="vmi-bench-disk-")
    try:
        disk = os.path.join(scratch, "disk.img")
        with open(disk, "wb") as f:
            f.truncate(envmod.DISK_MIB << 20)
        return _run(env, group, iterations, paths, mem_mib, timeout, expect, disk)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _run(env, group, iterations, paths, mem_mib, timeout, expect, disk):
    cmdline = cmdline_for(group, iterations)
    argv = env.argv(paths, cmdline, mem_mib, disk=disk)
    sample = {"env": env.id, "group": group, "iterations_arg": iterations, "argv": argv,
              "status": None, "wall_s": None, "results": [], "binding": None, "exits": None,
              "error": None}
    t0 = time.monotonic()
    try:
        proc = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True,
                              timeout=timeout)
    except subprocess.TimeoutExpired:
        sample["error"] = f"no exit within {timeout} s (killed)"
        return sample
    except OSError as e:
        sample["error"] = f"cannot start {argv[0]}: {e}"
        return sample
    sample["wall_s"] = round(time.monotonic() - t0, 4)
    sample["status"] = proc.returncode
    out = proc.stdout.decode(errors="replace")
    err = proc.stderr.decode(errors="replace")
    problems = []
    for line in out.splitlines():
        if line.startswith('{"bench"'):
            try:
                sample["results"].append(json.loads(line))
            except json.JSONDecodeError:
                problems.append(f"unparsable result line: {line[:120]}")
        elif "vmi: " in line and sample["binding"] is None:
            # SeaBIOS (QEMU q35) leaves its last words on the line before the kernel's.
            sample["binding"] = line[line.index("vmi: "):].strip()
        elif line.startswith("FAIL"):
            problems.append(line.strip())
    if env.monitor == "vmi":
        sample["exits"] = parse_stats(err)
    if proc.returncode != env.expected_status:
        problems.append(f"exit status {proc.returncode}, expected {env.expected_status}")
    if not (sample["binding"] or "").startswith(env.binding):
        problems.append(f"binding line {sample['binding']!r}, expected {env.binding!r}...")
    elif env.binding_has and env.binding_has not in sample["binding"]:
        problems.append(f"binding line {sample['binding']!r} does not say {env.binding_has!r}")
    names = [r.get("bench") for r in sample["results"]]
    if expect is not None and names != expect:
        problems.append(f"results {names}, expected {expect}")
    for r in sample["results"]:
        if r.get("rom") != env.rom_name:
            problems.append(f"{r.get('bench')}: rom {r.get('rom')!r}, expected {env.rom_name!r}")
        if not isinstance(r.get("cycles"), int) or not r.get("iterations"):
            problems.append(f"{r.get('bench')}: no cycles or iterations")
    if problems:
        detail = _tail(out + "\n" + err)
        sample["error"] = "; ".join(problems) + (f"\n--- output:\n{detail}" if detail else "")
    return sample
