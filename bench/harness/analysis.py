"""From samples to figures: cycles per operation per environment, paired ratios, exits per
operation, and the issue's targets."""

from . import envs as envmod
from . import stats

# (key, heading, numerator env, denominator env). Each is the median of per-repetition ratios:
# both sides of a pair ran back to back in the same repetition.
RATIOS = [
    ("rom_over_norom", "ROM / no-ROM", "rom", "norom"),
    ("layer_vmm", "VMI-fied / pure-native (our VMM, no ROM)", "norom", "native"),
    ("layer_tcg", "VMI-fied / pure-native (QEMU TCG)", "qemu-tcg", "qemu-tcg-native"),
    ("ours_over_qemu", "ours with ROM / QEMU KVM", "rom", "qemu-kvm"),
    ("norom_over_qemu", "ours no-ROM / QEMU KVM", "norom", "qemu-kvm"),
]
LAYER_LIMIT = 1.01       # native overhead of the VMI layer <= 1 %
ENTRY_RATIO_MIN = 5.0    # our start-to-entry >= 5x faster than QEMU microvm
RSS_LIMIT_KIB = 2048     # VMM overhead <= 2 MiB RSS


def per_op(result):
    return result["cycles"] / result["iterations"]


def analyze(data):
    runs = [s for s in data["runs"] if s["error"] is None]
    values = {}   # result -> env -> {rep: cycles/op}
    for s in runs:
        for r in s["results"]:
            values.setdefault(r["bench"], {}).setdefault(s["env"], {})[s["rep"]] = per_op(r)
    out = {"per_op": {}, "ratios": {k: {} for k, *_ in RATIOS},
           "ratios_of_minima": {k: {} for k, *_ in RATIOS}, "exits": {}, "targets": {}}
    for name in envmod.RESULT_ORDER:
        if name not in values:
            continue
        out["per_op"][name] = {e: stats.summarize(list(v.values()))
                               for e, v in values[name].items()}
        for key, _, num, den in RATIOS:
            a, b = values[name].get(num, {}), values[name].get(den, {})
            pairs = [a[r] / b[r] for r in sorted(a) if r in b and b[r] > 0]
            out["ratios"][key][name] = stats.summarize(pairs)
            # Interference only ever adds time, so the best runs are a second, robust view.
            both = [r for r in a if r in b]
            if both:
                out["ratios_of_minima"][key][name] = min(a[r] for r in both) / min(
                    b[r] for r in both)
    out["exits"] = _exits(data)
    out["targets"] = _targets(data, out)
    return out


def _exits(data):
    """Exits per run (median) and per operation: the difference to the same group run with
    iterations=1 (the warm-up), over the difference in operations. Console ignores the count,
    so its baseline is the trap warm-up: a kernel-level boot with one result line, as
    console's."""
    base = {}
    for s in data["warmup"]:
        if s["error"] is None and s["exits"]:
            base[(s["env"], s["group"])] = s
    out = {}
    by_key = {}
    for s in data["runs"]:
        if s["error"] is None and s["exits"]:
            by_key.setdefault((s["group"], s["env"]), []).append(s)
    for (group, env), samples in by_key.items():
        totals = [s["exits"]["total"] for s in samples]
        ports = {}
        for s in samples:
            for p, n in s["exits"]["by_port"].items():
                ports.setdefault(p, []).append(n)
        entry = {"per_run": stats.summarize(totals),
                 "ports_per_run": {p: stats.median(v + [0] * (len(samples) - len(v)))
                                   for p, v in sorted(ports.items())}}
        b = base.get((env, "trap" if group == "console" else group))
        ops = sum(r["iterations"] for r in samples[0]["results"])
        if b:
            bops = sum(r["iterations"] for r in b["results"])
            if ops > bops:
                entry["per_op"] = (entry["per_run"]["median"] - b["exits"]["total"]) / (ops - bops)
                entry["ports_per_op"] = {
                    p: (m - b["exits"]["by_port"].get(p, 0)) / (ops - bops)
                    for p, m in entry["ports_per_run"].items()}
                entry["baseline_exits"] = b["exits"]["total"]
        out.setdefault(group, {})[env] = entry
    return out


def _targets(data, a):
    t = {}
    for key, label in (("layer_vmm", "our VMM"), ("layer_tcg", "QEMU TCG")):
        per = {name: stats.verdict_at_most(s, LAYER_LIMIT)
               for name, s in a["ratios"][key].items() if s}
        if not per:
            overall = "missing"
        elif any(v.startswith("missed") for v in per.values()):
            overall = "missed"
        elif all(v == "met" for v in per.values()):
            overall = "met"
        else:
            overall = "not resolved"
        t[key] = {"target": f"native overhead of the VMI layer <= 1 % ({label})",
                  "per_benchmark": per, "verdict": overall}
    vmm = data.get("vmm") or {}
    entry = vmm.get("start_to_entry")
    t["start_to_entry"] = {
        "target": "our VMM start-to-entry >= 5x faster than QEMU microvm",
        "verdict": stats.verdict_at_least(entry.get("ratio_qemu_over_vmi"), ENTRY_RATIO_MIN)
        if entry else "missing"}
    mem = vmm.get("memory")
    t["rss"] = {"target": "VMM overhead <= 2 MiB RSS",
                "verdict": stats.verdict_at_most(mem["vmi"]["overhead_rss_kib"], RSS_LIMIT_KIB)
                if mem and mem.get("vmi") and mem["vmi"]["overhead_rss_kib"] else "missing"}
    if mem and mem.get("vmi") and mem["vmi"]["overhead_anon_kib"]:
        t["rss"]["anonymous_verdict"] = stats.verdict_at_most(mem["vmi"]["overhead_anon_kib"],
                                                              RSS_LIMIT_KIB)
    return t
