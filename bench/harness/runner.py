"""bench/run's main flow: probe, warm up, interleaved repetitions, VMM-level figures, outputs."""

import json
import os
import shutil
import sys
import time

from . import analysis
from . import envs as envmod
from . import guest
from . import host as hostmod
from . import plots
from . import report
from . import vmm_figures
from . import wall

SCHEMA = "vmi-bench/2"


class Progress:
    """One line per step on stderr; rewritten in place on a terminal."""

    def __init__(self, quiet, t0):
        self.quiet = quiet
        self.t0 = t0
        self.tty = sys.stderr.isatty()
        self.total = 0
        self.done = 0

    def __call__(self, what, count=False):
        if count:
            self.done += 1
        if self.quiet:
            return
        el = int(time.monotonic() - self.t0)
        head = f"bench: [{self.done}/{self.total} {el // 60}:{el % 60:02d}]" if count \
            else f"bench: [{el // 60}:{el % 60:02d}]"
        line = f"{head} {what}"
        if self.tty:
            sys.stderr.write("\r\033[K" + line[:150])
        else:
            sys.stderr.write(line + "\n")
        sys.stderr.flush()

    def end(self):
        if self.tty and not self.quiet:
            sys.stderr.write("\r\033[K")
            sys.stderr.flush()


def error(msg):
    print(f"bench: error: {msg}", file=sys.stderr)


def rerender(args):
    """--from-json: the analysis, report and charts again from an earlier run's samples."""
    try:
        with open(args.from_json) as f:
            data = json.load(f)
    except (OSError, json.JSONDecodeError) as e:
        error(f"cannot read {args.from_json}: {e}")
        return 2
    if data.get("schema") != SCHEMA or "samples_format" in data:
        error(f"{args.from_json}: not the full results.json that bench/run writes to --out")
        return 2
    data["analysis"] = analysis.analyze(data)
    data["rerendered"] = " ".join(args.argv)
    return _write_outputs(args, data)


def main(args, root, t0):
    if args.from_json:
        return rerender(args)
    bin_dir = os.path.join(args.build, "bin")
    paths = {"bin": bin_dir, "vmi": os.path.join(bin_dir, "vmi"), "qemu": args.qemu,
             "entry_guest": os.path.join(args.build, "bench", "guests", "entry_mark.elf"),
             "pio_guest": os.path.join(args.build, "bench", "guests", "pio_loop.elf"),
             "pio_bench": os.path.join(bin_dir, "vmm-pio-bench")}
    if not os.path.isdir(bin_dir):
        error(f"nothing built in {args.build} (run scripts/build, or pass --build DIR)")
        return 2
    progress = Progress(args.quiet, t0)

    env_list = [e for e in envmod.all_envs() if e.id in args.env_ids]
    envmod.check_availability(env_list, paths)
    for e in env_list:
        if not e.available:
            error(f"environment {e.id} unavailable: {e.reason}; its column is marked missing")
    progress("probing the host")
    data = {
        "schema": SCHEMA,
        "command": " ".join(args.argv),
        "options": {"quick": args.quick, "reps": args.reps, "icount_reps": args.icount_reps,
                    "groups": args.groups,
                    "iterations": {g: args.iteration_counts[g] for g in args.groups},
                    "mem_mib": args.mem, "launches": args.launches,
                    "mem_launches": args.mem_launches, "pio_reps": args.pio_reps,
                    "pio_iters": args.pio_iters, "timeout_s": args.timeout,
                    "wall_reps": args.wall_reps, "wall_target_s": args.wall_target,
                    "crossover": args.crossover, "crossover_reps": args.crossover_reps,
                    "crossover_work": args.crossover_work},
        "host": hostmod.probe(root, args.build, paths, args.qemu),
        "environments": [{"id": e.id, "label": e.label, "description": e.description,
                          "available": e.available, "reason": e.reason,
                          "argv_example": _argv_example(e, paths, args.mem)}
                         for e in env_list],
        "warmup": [], "runs": [], "vmm": {}, "errors": [],
    }
    active = [e for e in env_list if e.available]

    # Warm-up: every (group, env) once with iterations=1, untimed. It fills the page cache,
    # catches an environment that does not work before the long part, and gives the baseline
    # for exits per operation. Console's baseline is the trap boot (see analysis._exits).
    warm_plan = [(g, e) for g in args.groups for e in active if e.runs(g)]
    if "console" in args.groups and "trap" not in args.groups:
        warm_plan += [("trap", e) for e in active if e.monitor == "vmi"]
    broken = set()  # (group, env) whose warm-up failed: not repeated

    def reps_of(e):  # counts that repeat to the unit need only a few runs
        return args.icount_reps if e.deterministic else args.reps

    progress.total = len(warm_plan) + sum(reps_of(e) for g, e in warm_plan if g in args.groups)
    n_wall = sum(1 for e in active if e.id in envmod.WALL_ENVS)
    progress.total += args.wall_reps * n_wall * (1 if args.quick else len(wall.groups_of(args)))
    if args.crossover:
        progress.total += args.crossover_reps * len(args.crossover_work) * sum(
            1 for e in active if e.id in envmod.CROSSOVER_ENVS)
    for g, e in warm_plan:
        progress(f"warm-up  {e.id}  {g}", count=True)
        s = guest.run(e, g, None if g == "console" else 1, paths, args.mem, args.timeout,
                      expect=envmod.RESULTS_OF[g])
        s["rep"] = -1
        data["warmup"].append(s)
        if s["error"]:
            broken.add((g, e.id))
            e.failed.append(f"{g}: {s['error']}")
            progress.total -= reps_of(e)
            error(f"{e.id} {g} (warm-up): {s['error']}")

    # Repetitions: within one, each group runs in every environment back to back, the order
    # rotating so that no environment always goes first (A B C, B C A, ...).
    for rep in range(max([reps_of(e) for e in active], default=0)):
        for gi, g in enumerate(args.groups):
            k = (rep + gi) % len(active) if active else 0
            for e in active[k:] + active[:k]:
                if not e.runs(g) or (g, e.id) in broken or rep >= reps_of(e):
                    continue
                progress(f"rep {rep + 1}/{reps_of(e)}  {e.id}  {g}", count=True)
                s = guest.run(e, g, args.iteration_counts[g], paths, args.mem, args.timeout,
                              expect=envmod.RESULTS_OF[g])
                s["rep"] = rep
                data["runs"].append(s)
                if s["error"]:
                    e.failed.append(f"{g} rep {rep + 1}: {s['error']}")
                    error(f"{e.id} {g} rep {rep + 1}: {s['error']}")

    ctx = {"paths": paths, "mem": args.mem, "timeout": args.timeout,
           "target": args.wall_target, "progress": progress, "error": error}
    wall.wall_phase(args, active, data, ctx)  # skips what failed its warm-up
    if args.crossover:
        wall.crossover_phase(args, active, data, ctx)

    if not args.no_vmm:
        _vmm_figures(args, paths, data, progress)

    progress.end()
    for e, d in zip(env_list, data["environments"]):
        d["failed_runs"] = e.failed
        ok = [s for s in data["runs"] if s["env"] == e.id and not s["error"]]
        if ok:  # the same in every run of an environment (checked per run)
            d["binding"] = ok[0]["binding"]
            d["guest_hz"] = ok[0]["results"][0]["hz"]
            d["guest_env"] = ok[0]["results"][0]["env"]
    data["analysis"] = analysis.analyze(data)
    data["duration_s"] = round(time.monotonic() - t0, 1)
    return _write_outputs(args, data)


def _argv_example(env, paths, mem_mib):
    if env.runs("syscall"):
        return env.argv(paths, guest.cmdline_for("syscall", 2000), mem_mib)
    return env.argv(paths, guest.cmdline_for("blk", 100), mem_mib, disk="DISK.img")


VMM_PARTS = ("start_to_entry", "rom_boot", "pio", "memory")


def _vmm_figures(args, paths, data, progress):
    kvm_ok, why = hostmod.kvm_usable()
    if not kvm_ok:
        data["vmm"]["missing"] = f"no KVM ({why})"
        error(f"VMM-level figures unavailable: {data['vmm']['missing']}; marked missing")
        return
    qemu_ok = shutil.which(args.qemu) is not None
    built = lambda *files: [f"{f} not built" for f in files if not os.path.exists(f)]  # noqa: E731
    kernel = os.path.join(paths["bin"], "kernel.elf")
    rom = os.path.join(paths["bin"], "vmm.rom")
    # part: (what it needs that is missing, how to measure it)
    # The memory workload is the reference kernel through mmap + munmap, the same guest for
    # both monitors: it touches guest pages and runs long enough (~0.5 s) for many readings.
    workload = guest.cmdline_for("mmap", args.iteration_counts.get("mmap", 300))
    parts = {
        "start_to_entry": (built(paths["vmi"], paths["entry_guest"])
                           + ([] if qemu_ok else [f"no QEMU ({args.qemu} not found)"]),
                           lambda: vmm_figures.start_to_entry(paths, args.launches, args.mem,
                                                              progress)),
        "rom_boot": (built(paths["vmi"], kernel, rom),
                     lambda: vmm_figures.rom_boot(paths, args.launches, args.mem, progress)),
        "pio": (built(paths["pio_bench"], paths["pio_guest"]),
                lambda: vmm_figures.pio_round_trip(paths, args.pio_reps, args.pio_iters,
                                                   progress)),
        "memory": (built(paths["vmi"], kernel)
                   + ([] if qemu_ok else [f"no QEMU ({args.qemu} not found)"]),
                   lambda: vmm_figures.memory_overhead(paths, args.mem_launches, args.mem,
                                                       workload, progress)),
    }
    for part in VMM_PARTS:
        missing, measure = parts[part]
        if missing:
            data["vmm"][part] = {"missing": "; ".join(missing), "errors": []}
            error(f"{part} unavailable: {'; '.join(missing)}; marked missing")
            continue
        data["vmm"][part] = measure()
        if data["vmm"][part].get("missing"):
            error(f"{part} unavailable: {data['vmm'][part]['missing']}; marked missing")
        for msg in data["vmm"][part]["errors"]:
            error(f"{part}: {msg}")


def _write_outputs(args, data):
    os.makedirs(args.out, exist_ok=True)
    chart_files = []
    if not args.no_plots:
        chart_files, plot_error = plots.draw(data, args.out)
        if plot_error:
            error(plot_error)
            data["errors"].append(plot_error)
    with open(os.path.join(args.out, "results.json"), "w") as f:
        json.dump(data, f, indent=1)
    md = report.render(data, chart_dir="", charts=chart_files, json_name="results.json")
    with open(os.path.join(args.out, "report.md"), "w") as f:
        f.write(md)
    print(report.brief(data) if args.brief else md)
    if args.docs:
        stem = os.path.splitext(os.path.basename(args.docs))[0]
        asset_dir = os.path.join(os.path.dirname(args.docs), stem)
        generated = report.render(data, chart_dir=stem + "/", charts=chart_files,
                                  json_name=stem + "/results.json", level=2)
        try:
            page = _docs_page(args.docs, generated)
        except (OSError, ValueError) as e:
            error(f"--docs: {e}")
            return 2
        os.makedirs(asset_dir, exist_ok=True)
        for old in os.listdir(asset_dir):  # charts a previous run drew and this one did not
            if old.endswith((".png", ".svg")):
                os.remove(os.path.join(asset_dir, old))
        for name in chart_files:
            shutil.copyfile(os.path.join(args.out, name), os.path.join(asset_dir, name))
        with open(os.path.join(asset_dir, "results.json"), "w") as f:
            _dump_compact(data, f)
        with open(args.docs, "w") as f:
            f.write(page)
        print(f"bench: wrote the generated part of {args.docs} and {asset_dir}/",
              file=sys.stderr)
    print(f"bench: wrote {args.out}/ (results.json, report.md"
          + (", charts" if chart_files else "") + f") in {data['duration_s']:.0f} s",
          file=sys.stderr)
    runs = data["warmup"] + data["runs"] + (data.get("wall") or {}).get("runs", []) + (
        data.get("crossover") or {}).get("runs", [])
    bad = sum(1 for s in runs if s["error"])
    missing = [e["id"] for e in data["environments"] if not e["available"]]
    print(f"bench: {len(runs) - bad} guest runs ok, {bad} with errors; missing environments: "
          f"{', '.join(missing) or 'none'}", file=sys.stderr)
    failed = bad > 0
    for part in VMM_PARTS:
        if data["vmm"].get(part, {}).get("errors"):
            failed = True
    if failed:
        error("a measurement failed (see the errors above and results.json)")
        return 1
    return 0


DOCS_BEGIN = "<!-- bench/run: generated part begins -->"
DOCS_END = "<!-- bench/run: generated part ends -->"


def _docs_page(path, generated):
    """The page with `generated` between its markers; the hand-written rest is kept. A new
    file gets the generated part alone; a file without the markers is refused."""
    block = f"{DOCS_BEGIN}\n\n{generated.rstrip()}\n\n{DOCS_END}"
    if not os.path.exists(path):
        return block + "\n"
    with open(path) as f:
        text = f.read()
    begin, end = text.find(DOCS_BEGIN), text.find(DOCS_END)
    if begin < 0 or end < begin:
        raise ValueError(f"{path} has no generated-part markers ({DOCS_BEGIN} ... {DOCS_END}); "
                         "add them where the report belongs")
    return text[:begin] + block + text[end + len(DOCS_END):]


def _compact_sample(s):
    out = {"env": s["env"], "group": s["group"], "rep": s["rep"],
           "cmdline": guest.cmdline_for(s["group"], s["iterations_arg"]),
           "status": s["status"], "wall_s": s["wall_s"],
           "results": [_compact_result(r) for r in s["results"]]}
    for key in ("kind", "work", "measured"):
        if key in s:
            out[key] = s[key]
    if s["exits"]:
        out["exits"] = {"total": s["exits"]["total"], "by_port": s["exits"]["by_port"]}
    if s["error"]:
        out["error"] = s["error"]
    return out


BLK_FIELDS = ("requests", "mmio_accesses", "interrupts")  # the disk results' driver counts


def _compact_result(r):
    out = [r["bench"], r["cycles"], r["iterations"], r.get("monitor_entries")]
    counts = {k: r[k] for k in BLK_FIELDS if k in r}
    return out + [counts] if counts else out


def _dump_compact(data, f):
    """The docs copy of the JSON: every sample, one per line, without what is the same in all
    of an environment's runs (argv, binding line, hz: in "environments"), to stay small in
    the repository. --out keeps the full form."""
    head = {k: v for k, v in data.items() if k not in ("runs", "warmup")}
    samples = {"warmup": data["warmup"], "runs": data["runs"]}
    for key in ("wall", "crossover"):  # their runs go to wall_runs and crossover_runs
        if isinstance(data.get(key), dict):
            head[key] = {k: v for k, v in data[key].items() if k != "runs"}
            samples[f"{key}_runs"] = data[key].get("runs", [])
    head["samples_format"] = ("runs, warmup, wall_runs and crossover_runs: compact, one per "
                              "line; results are [bench, cycles, iterations, "
                              "monitor_entries], the disk results with a fifth element, the "
                              "driver's counts {requests, mmio_accesses, interrupts}; the argv "
                              "is the environment's argv_example with this cmdline (and, for "
                              "the disk group, a scratch image)")
    text = json.dumps(head, indent=1)
    parts = []
    for key, list_ in samples.items():
        lines = ",\n".join("  " + json.dumps(_compact_sample(s), separators=(",", ":"))
                           for s in list_)
        parts.append(f' "{key}": [\n{lines}\n ]')
    # Paths relative to the source tree: the copy in docs/ names no directory of this machine.
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))) + "/"
    out = text[:-2] + ",\n" + ",\n".join(parts) + "\n}\n"
    f.write(out.replace(json.dumps(root)[1:-1], ""))
