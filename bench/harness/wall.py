"""Wall-clock time per operation, timed by the harness around whole guest runs. QEMU TCG's
guest TSC does not follow real time, so the comparison with it cannot use the kernel's cycle
counts: each measured run (N operations) is paired with a boot of the same benchmark with one
operation, back to back, and time per operation = (wall(N) - wall(1)) / (N - 1). The same
method in every environment compared. N is calibrated per environment so that the measured
work lasts about --wall-target seconds: a system call under TCG is hundreds of times cheaper
than under our VMM, and a count that suits one is lost in the other's boot time."""

from . import envs as envmod
from . import guest


def ops(sample):
    """The operations a run timed: its results' iterations (ctxsw: two switches each)."""
    return sum(r["iterations"] * envmod.OPS_PER_ITERATION.get(r["bench"], 1)
               for r in sample["results"])


def _run(env, group, iterations, expect, ctx):
    return guest.run(env, group, iterations, ctx["paths"], ctx["mem"], ctx["timeout"],
                     expect=expect)


def calibrate(env, group, start, expect, base_wall, ctx, cap=50_000_000, fmt=lambda n: n):
    """The count whose measured work lasts at least half the target, starting from `start`.
    Both views must agree: the run's wall-clock time beyond the one-operation boot
    (`base_wall` s, noisy by a few ms) and the kernel's cycles over its frequency (exact under
    KVM, only roughly real time under TCG). Returns (count, samples)."""
    target = ctx["target"]
    n, samples = start, []
    for _ in range(6):
        ctx["progress"](f"calibrate  {env.id}  {group} {fmt(n)}")
        s = _run(env, group, fmt(n), expect, ctx)
        s["calibration"] = True
        samples.append(s)
        if s["error"] or s["wall_s"] is None:
            break
        work, tsc = s["wall_s"] - base_wall, tsc_per_op_s(s) * ops(s)
        if min(work, tsc) >= target / 2 or n >= cap:
            break
        if tsc >= target / 2:  # the wall clock disagrees: boot noise; a little more
            factor = 2.0
        else:
            factor = min(100.0, max(2.0, target / max(tsc, work, target / 100)))
        n = min(cap, int(n * factor) + 1)
    return n, samples


def pair(env, group, iterations, expect, base_group, base_iterations, base_expect, ctx, tag):
    """One measured run and its one-operation boot, back to back."""
    full = _run(env, group, iterations, expect, ctx)
    base = _run(env, base_group, base_iterations, base_expect, ctx)
    for s, kind in ((full, "full"), (base, "base")):
        s.update(tag)
        s["kind"] = kind
    return full, base


def per_op_s(full, base):
    """Seconds per operation from a pair, or None when either failed. A baseline of another
    benchmark (console's: the trap boot) counts as no operations of this one."""
    if full["error"] or base["error"] or full["wall_s"] is None or base["wall_s"] is None:
        return None
    d = ops(full) - (ops(base) if base["group"] == full["group"] else 0)
    return (full["wall_s"] - base["wall_s"]) / d if d > 0 else None


def tsc_per_op_s(full):
    """The kernel's own figure for the same run in seconds (real time under KVM only)."""
    if full["error"] or not full["results"]:
        return None
    cycles = sum(r["cycles"] * envmod.OPS_PER_ITERATION.get(r["bench"], 1)
                 for r in full["results"])  # ctxsw reports per switch: its loop's cycles
    hz = full["results"][0].get("hz")
    return cycles / ops(full) / hz if hz else None


def groups_of(args):
    """The groups timed against QEMU TCG: not the disk group (TCG has no disk run here)."""
    return [g for g in args.groups
            if g not in envmod.DISK_GROUPS and (not args.quick or g == "syscall")]


def wall_phase(args, active, data, ctx):
    """Wall-clock per benchmark in WALL_ENVS. Fills data["wall"]."""
    envs = [e for e in active if e.id in envmod.WALL_ENVS]
    groups = groups_of(args)
    out = {"reps": args.wall_reps, "target_s": args.wall_target, "groups": groups,
           "envs": [e.id for e in envs], "counts": {}, "runs": []}
    data["wall"] = out
    if not envs or not groups or args.wall_reps < 1:
        return
    warm = {(s["env"], s["group"]): s for s in data["warmup"] if not s["error"]}
    for g in groups:
        out["counts"][g] = {}
        for e in envs:
            w = warm.get((e.id, g))
            if w is None:
                continue
            if g == "console":  # always 64 KiB
                out["counts"][g][e.id] = None
                continue
            n, cal = calibrate(e, g, args.iteration_counts[g], envmod.RESULTS_OF[g],
                               w["wall_s"], ctx)
            out["runs"] += [dict(s, rep=-1, kind="calibration") for s in cal]
            if any(s["error"] for s in cal):
                e.failed.append(f"{g} (wall-clock calibration): {cal[-1]['error']}")
                ctx["error"](f"{e.id} {g} (wall-clock calibration): {cal[-1]['error']}")
                del out["counts"][g][e.id]
                continue
            out["counts"][g][e.id] = n
    for rep in range(args.wall_reps):
        for gi, g in enumerate(groups):
            todo = [e for e in envs if e.id in out["counts"].get(g, {})]
            k = (rep + gi) % len(todo) if todo else 0
            for e in todo[k:] + todo[:k]:
                n = out["counts"][g][e.id]
                base_g = "trap" if g == "console" else g
                ctx["progress"](f"wall {rep + 1}/{args.wall_reps}  {e.id}  {g}", count=True)
                full, base = pair(e, g, n, envmod.RESULTS_OF[g], base_g, 1,
                                  envmod.RESULTS_OF[base_g], ctx, {"rep": rep, "measured": g})
                out["runs"] += [full, base]
                for s in (full, base):
                    if s["error"]:
                        e.failed.append(f"{s['group']} wall rep {rep + 1}: {s['error']}")
                        ctx["error"](f"{e.id} {s['group']} wall rep {rep + 1}: {s['error']}")


def crossover_phase(args, active, data, ctx):
    """The crossover sweep: time per call against user-mode work per call. Fills
    data["crossover"]."""
    envs = [e for e in active if e.id in envmod.CROSSOVER_ENVS]
    out = {"reps": args.crossover_reps, "target_s": args.wall_target,
           "work": args.crossover_work, "envs": [e.id for e in envs], "counts": {},
           "runs": []}
    data["crossover"] = out
    if not envs:
        return
    group, _ = guest.crossover_args(1, 0)
    for work in args.crossover_work:
        out["counts"][str(work)] = {}
        expect = [envmod.crossover_name(work)]
        fmt = lambda n, w=work: guest.crossover_args(n, w)[1]  # noqa: E731
        for e in envs:
            ctx["progress"](f"crossover warm-up  {e.id}  work {work:,}")
            w = _run(e, group, fmt(1), expect, ctx)
            w.update(rep=-1, kind="warmup", work=work)
            out["runs"].append(w)
            if w["error"]:
                e.failed.append(f"crossover work {work} (warm-up): {w['error']}")
                ctx["error"](f"{e.id} crossover work {work} (warm-up): {w['error']}")
                continue
            n, cal = calibrate(e, group, 20, expect, w["wall_s"], ctx, cap=20_000_000, fmt=fmt)
            out["runs"] += [dict(s, rep=-1, kind="calibration", work=work) for s in cal]
            if any(s["error"] for s in cal):
                e.failed.append(f"crossover work {work} (calibration): {cal[-1]['error']}")
                ctx["error"](f"{e.id} crossover work {work} (calibration): {cal[-1]['error']}")
                continue
            out["counts"][str(work)][e.id] = n
    for rep in range(args.crossover_reps):
        for wi, work in enumerate(args.crossover_work):
            counts = out["counts"][str(work)]
            todo = [e for e in envs if e.id in counts]
            k = (rep + wi) % len(todo) if todo else 0
            expect = [envmod.crossover_name(work)]
            for e in todo[k:] + todo[:k]:
                ctx["progress"](f"crossover {rep + 1}/{args.crossover_reps}  {e.id}  "
                                f"work {work:,}", count=True)
                _, text = guest.crossover_args(counts[e.id], work)
                _, base_text = guest.crossover_args(1, work)
                full, base = pair(e, group, text, expect, group, base_text, expect, ctx,
                                  {"rep": rep, "work": work})
                out["runs"] += [full, base]
                for s in (full, base):
                    if s["error"]:
                        e.failed.append(f"crossover work {work} rep {rep + 1}: {s['error']}")
                        ctx["error"](f"{e.id} crossover work {work} rep {rep + 1}: "
                                     f"{s['error']}")
