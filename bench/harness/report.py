"""The Markdown report: headline table, targets with verdicts and reasons, ratios with
confidence intervals, the paravirtual gain of each benchmark explained, exits, VMM-level
figures, charts and method."""

from . import envs as envmod

# What the ROM changes on each benchmark's measured path (docs/rom-vmm.md has the bindings),
# and what would change the figure where it changes nothing.
EXPLAIN = {
    "console": "CONSOLE_WRITE is bound: one exit per 4 KiB buffer (port 0x561) and a host-side "
               "copy, instead of two UART exits per byte (line-status poll, transmit register) "
               "and the driver's emulated loop.",
    "cpuid_static": "Same path in both: `--cpuid-cache auto` fills the ROM's CPUID answers "
                    "only on hosts with VT-x/SVM; without them a lookup's emulated "
                    "instructions cost more than the `cpuid` exit (docs/rom-vmm.md), so CPUID "
                    "stays native. On a VT-x/SVM host the ROM answers static leaves without "
                    "an exit.",
    "cpuid_dynamic": "Same path in both: a leaf the ROM never caches is a `cpuid` exit either "
                     "way.",
    "cycle_frequency": "GET_CYCLE_FREQUENCY is bound: one load from the ROM's data area. "
                       "Natively it is a cached value after the first call. A few emulated "
                       "instructions apart.",
    "wallclock": "GET_WALLCLOCK_TIME is bound: TSC arithmetic on the ROM's data area, no exit. "
                 "Natively the RTC is read through CMOS ports 0x70/0x71 (exits).",
    "trap": "Same path in both: event delivery and return are the CPU's (IDT, `iretq`); a ROM "
            "entry would only add a `call` to the same emulated instructions. Changing this "
            "needs a different ROM, one that runs the kernel deprivileged with a monitor of its "
            "own at CPL0 (docs/rom-vmm.md).",
    "portread": "Same path in both: an `inb` that KVM hands to the VMM; a hypercall would be "
                "another port exit.",
    "ptemod": "Same path in both: UPDATE_PTE and INVAL_PAGE stay native because KVM shadows "
              "the page tables itself and gives a VMM no way to apply guest PTE updates in a "
              "batch; a hypercall exits to userspace (~15,000 cycles) and would still leave the "
              "write to be shadowed. A gain needs a host interface for batched PTE updates "
              "(or hardware paging, where the write is not trapped at all).",
    "syscall": "Same path in both: SYSCALL entry and the `iretq` return are native "
               "(see trap).",
    "callret": "User mode only, no VMI call anywhere: a control, equal in every environment.",
    "pagefault": "Each demand-zero fault zeroes a 4 KiB frame: ZERO_PAGE is bound (one exit and "
                 "a host memset) instead of a `rep stos` this host emulates iteration by "
                 "iteration. The fault's event and its SET_PTE stay native.",
    "mmap": "mmap, the first touch and munmap: the touch is a demand-zero fault (ZERO_PAGE, as "
            "pagefault); the system calls, PTE writes and invalidation are native.",
    "div0": "Same path in both: a user #DE through the kernel to the user's handler and "
            "back by system call, events native (see trap).",
    "forkwait": "fork shares the parent's pages copy-on-write; the copies that follow (the "
                "first write to each shared page, fewer than one per fork here) go through "
                "COPY_PAGE: one exit and a host memmove instead of a `rep movs` this host "
                "emulates. New page tables come from the kernel's list of zeroed frames, and "
                "the table copies, PTE writes, CR3 loads and events stay native.",
    "ctxsw": "Same path in both: a yield system call, the scheduler and a CR3 load between two "
             "processes, all native.",
}

HYPERCALL_PORTS = {"0x0561 in": "console", "0x0564 in": "zero page", "0x0565 in": "copy page"}


def _cyc(v):
    if v is None:
        return "–"
    if v < 10:
        return f"{v:.2f}"
    if v < 100:
        return f"{v:.1f}"
    return f"{v:,.0f}"


def _ratio(v):
    if v is None:
        return "–"
    if v < 0.1:
        return f"{v:.2g}"
    if v >= 100:
        return f"{v:,.0f}"
    if v >= 10:
        return f"{v:.1f}"
    return f"{v:.3f}"


def _ci(s, fmt=_ratio):
    if not s:
        return "–"
    if s["n"] < 2:
        return f"{fmt(s['median'])} (n=1)"
    return f"{fmt(s['median'])} [{fmt(s['ci_low'])}, {fmt(s['ci_high'])}]"


def _pct(s):
    if not s:
        return "–"
    p = lambda r: f"{100 * (r - 1):+.1f}"  # noqa: E731
    if s["n"] < 2:
        return f"{p(s['median'])} % (n=1)"
    return f"{p(s['median'])} % [{p(s['ci_low'])}, {p(s['ci_high'])}]"


def _ms(s):
    return f"{s['median']:.1f}" if s else "–"


def _mib(s):
    return f"{s['median'] / 1024:.2f}" if s else "–"


def _table(header, rows, align=None):
    align = align or ["l"] + ["r"] * (len(header) - 1)
    sep = ["---:" if a == "r" else "---" for a in align]
    out = ["| " + " | ".join(header) + " |", "| " + " | ".join(sep) + " |"]
    out += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(out)


def _env_status(data):
    st = {}
    for e in data["environments"]:
        if not e["available"]:
            st[e["id"]] = "missing"
        elif e.get("failed_runs"):
            st[e["id"]] = "failed"
        else:
            st[e["id"]] = "ok"
    return st


def render(data, chart_dir, charts, json_name):
    a = data["analysis"]
    h = data["host"]
    status = _env_status(data)
    envs = data["environments"]
    labels = {e["id"]: e["label"] for e in envs}
    names = [n for n in envmod.RESULT_ORDER if n in a["per_op"]]
    unit = {}
    for s in data["runs"]:
        for r in s["results"]:
            unit.setdefault(r["bench"], r["unit"])
    o = data["options"]
    L = []
    w = L.append

    w("# Benchmarks: the VMI layer, the ROM and our VMM, side by side (`bench/run`)")
    w("")
    w("<!-- Generated by bench/run (bench/harness/report.py); re-run it rather than editing. -->")
    w("")
    plural = "s" if o["reps"] != 1 else ""
    w(f"Command: `{data['command']}` (from the repository root, after `scripts/build`). "
      f"{o['reps']} repetition{plural} of every benchmark in every environment, interleaved "
      f"(each benchmark runs in all environments back to back, the order rotating), one guest "
      f"boot per benchmark; figures are medians. Took {data['duration_s']:.0f} s."
      + (f" This text was re-rendered from the same samples by `{data['rerendered']}`."
         if data.get("rerendered") else ""))
    w("")
    kvm = h["kvm"]
    mods = ", ".join(f"{m}" + (f" (tdp_mmu={p['tdp_mmu']})" if "tdp_mmu" in p else "")
                     for m, p in kvm.get("modules", {}).items()) or "none"
    ext = h["virtualization_extensions"]
    ext = ext if isinstance(ext, str) else ", ".join(ext)
    if kvm.get("available"):
        kvm_text = (f"API {kvm.get('api_version')}, modules {mods}, vCPU TSC "
                    f"{kvm.get('tsc_khz', '?')} kHz, {len(kvm.get('capabilities', {}))} "
                    "capabilities (listed in the JSON)")
    else:
        kvm_text = f"unavailable ({kvm.get('error')})"
    b = h["build"]
    w(f"Host: {h['cpu_model']}, {h['cpus']} CPUs, virtualization extensions: {ext}; "
      f"{h['os']}; KVM {kvm_text}. {h['versions']['qemu']}; {h['versions']['vmi']}; build "
      f"{b.get('CMAKE_BUILD_TYPE', '?')} with {b.get('compiler', '?')}; source {h['source']}; "
      f"run {h['timestamp_utc']}.")
    rom_binding = next((s["binding"] for s in data["runs"] if s["env"] == "rom" and s["binding"]),
                       None)
    if rom_binding:
        w(f"The ROM run's binding report: `{rom_binding}`.")
    w("")

    # Environments.
    w("## Environments")
    w("")
    rows = []
    for i, e in enumerate(envs, 1):
        st = status[e["id"]]
        if st == "missing":
            st = f"**missing**: {e['reason']}"
        elif st == "failed":
            first = e["failed_runs"][0].splitlines()[0][:160].replace("|", "/")
            st = f"**{len(e['failed_runs'])} failed run(s)**: {first}"
        rows.append([i, f"`{e['id']}`", e["description"], st])
    w(_table(["", "id", "what", "status"], rows, ["r", "l", "l", "l"]))
    w("")
    w("Environment 6 is there as the baseline of the layer's overhead under TCG. TCG figures "
      "(*) are in TCG's own TSC, which does not count real time, so they are reported but kept "
      "out of every ratio across environments.")
    w("")

    # Headline.
    w("## Headline: cycles per operation")
    w("")
    w(headline(data))
    w("")
    w("Ratios are medians of per-repetition ratios (both sides ran back to back); below 1 the "
      "first environment is faster. ROM / no-ROM: what paravirtualization gains; VMI / native: "
      "the VMI-fied kernel on its native paths against the build with no VMI sites (the "
      "layer's own cost); ours / QEMU: our VMM with its ROM against QEMU/KVM with the same "
      "kernel. 95 % intervals are in the ratio table below.")
    w("")

    # Targets.
    w("## Targets (reported, not asserted)")
    w("")
    w(targets_section(data))
    w("")

    # Ratios with CIs.
    w("## Ratios with 95 % confidence intervals")
    w("")
    cov = next((x["ci_coverage"] for x in a["ratios"]["rom_over_norom"].values() if x), None)
    w("Median of the per-repetition ratios [order-statistics interval of that median"
      + (f", {100 * cov:.1f} % coverage with {o['reps']} repetitions" if cov else "")
      + "]; below 1 the first environment is faster. Best: the ratio of the two environments' "
      "fastest runs (interference only adds time, so minima are a robust second view). The "
      "layer's overhead is in the targets section.")
    w("")
    rows = []
    for n in names:
        r, m = a["ratios"], a["ratios_of_minima"]
        rows.append([n, _ci(r["rom_over_norom"].get(n)), _ratio(m["rom_over_norom"].get(n)),
                     _ci(r["ours_over_qemu"].get(n)), _ratio(m["ours_over_qemu"].get(n)),
                     _ci(r["norom_over_qemu"].get(n)), _ratio(m["norom_over_qemu"].get(n))])
    w(_table(["benchmark", "ROM / no-ROM", "best", "ours ROM / QEMU KVM", "best",
              "ours no-ROM / QEMU KVM", "best"], rows))
    w("")
    w("ours no-ROM / QEMU KVM compares the monitors alone: the same kernel on the same native "
      "paths under the same host KVM. Kernel-mode work is emulated by the host in both, so "
      "differences come from what each monitor does per exit (and noise).")
    w("")

    # Paravirtual gains.
    w("## Paravirtual gains, benchmark by benchmark")
    w("")
    w(gains_section(data, names, unit))
    w("")

    # Exits.
    w("## Exits per benchmark (`vmi run --stats`)")
    w("")
    w(exits_section(data))
    w("")

    # VMM level.
    w("## VMM-level figures")
    w("")
    w(vmm_section(data))
    w("")

    # Charts.
    w("## Charts")
    w("")
    captions = {"cycles": "Cycles per operation, real-time environments (log scale)",
                "gain": "Paravirtual gain per benchmark (no-ROM / ROM, log scale)",
                "layer": "Native overhead of the VMI layer, our VMM and QEMU TCG",
                "vmm": "Start-to-entry and memory overhead, vmi against QEMU microvm"}
    if not charts:
        w("No charts in this run (gnuplot missing or --no-plots).")
    for stem, cap in captions.items():
        if f"{stem}.png" in charts:
            w(f"![{cap}]({chart_dir}{stem}.png)  ")
            w(f"*{cap}* ([SVG]({chart_dir}{stem}.svg))")
            w("")
    w("")

    # Method.
    w("## Method")
    w("")
    w(method_section(data))
    w("")
    w(f"Every sample, the command line of every run, exits by reason and port, and the host "
      f"probe (CPU flags, KVM capabilities and module parameters, versions) are in "
      f"[`{json_name}`]({json_name}).")
    w("")
    return "\n".join(L)


def headline(data):
    a = data["analysis"]
    status = _env_status(data)
    present = [e["id"] for e in data["environments"]]
    cols = [("rom", "ROM"), ("norom", "no-ROM"), ("native", "pure-native"),
            ("qemu-kvm", "QEMU KVM"), ("qemu-tcg", "QEMU TCG*"),
            ("qemu-tcg-native", "TCG pure-native*")]
    cols = [(e, t) for e, t in cols if e in present]
    unit = {}
    for s in data["runs"]:
        for r in s["results"]:
            unit.setdefault(r["bench"], r["unit"])
    rows = []
    selected = [r for g in data["options"]["groups"] for r in envmod.RESULTS_OF[g]]
    for n in envmod.RESULT_ORDER:
        if n not in selected:
            continue
        row = [n, unit.get(n, "")]
        for e, _ in cols:
            s = a["per_op"].get(n, {}).get(e)
            row.append(_cyc(s["median"]) if s else ("missing" if status[e] == "missing" else "–"))
        r = a["ratios"]
        for key in ("rom_over_norom", "layer_vmm", "layer_tcg", "ours_over_qemu"):
            s = r[key].get(n)
            row.append(_ratio(s["median"]) if s else "–")
        rows.append(row)
    return _table(["benchmark", "per"] + [t for _, t in cols]
                  + ["ROM / no-ROM", "VMI / native", "VMI / native (TCG*)", "ours / QEMU"],
                  rows, ["l", "l"] + ["r"] * (len(cols) + 4))


def _worst(ratios):
    items = [(n, s) for n, s in ratios.items() if s]
    if not items:
        return None, None
    return max(items, key=lambda kv: kv[1]["median"])


def targets_section(data):
    a = data["analysis"]
    t = a["targets"]
    vmm = data.get("vmm") or {}
    rows = []
    for key in ("layer_vmm", "layer_tcg"):
        per = t[key]["per_benchmark"]
        n_met = sum(v == "met" for v in per.values())
        missed = [n for n, v in per.items() if v.startswith("missed")]
        unresolved = [n for n, v in per.items() if v.startswith("not resolved")]
        wn, ws = _worst(a["ratios"][key])
        fig = (f"{n_met} of {len(per)} met; missed: {', '.join(missed) or 'none'}; "
               f"not resolved: {', '.join(unresolved) or 'none'}; largest median: "
               f"{wn} {_pct(ws)}" if per else "no data")
        rows.append([t[key]["target"], fig, f"**{t[key]['verdict']}**"])
    gains = a["ratios"]["rom_over_norom"]
    big = sorted(((1 / s["median"], n) for n, s in gains.items() if s and s["median"] > 0),
                 reverse=True)
    fig = ", ".join(f"{n} {g:,.1f}×" for g, n in big if g >= 1.05) or "none above 5 %"
    rows.append(["paravirtual gains (ROM vs no-ROM), per benchmark",
                 f"no-ROM / ROM above 1.05: {fig}; see the section below", "reported"])
    entry = vmm.get("start_to_entry")
    if entry and entry.get("ratio_qemu_over_vmi"):
        fig = (f"QEMU / vmi {_ci(entry['ratio_qemu_over_vmi'])} (vmi "
               f"{_ms(entry['vmi']['entry_ms'])} ms, QEMU {_ms(entry['qemu-kvm']['entry_ms'])} ms)")
    else:
        fig = vmm.get("missing", "not measured")
    rows.append([t["start_to_entry"]["target"], fig, f"**{t['start_to_entry']['verdict']}**"])
    mem = vmm.get("memory")
    if mem and mem.get("vmi") and mem["vmi"]["overhead_rss_kib"]:
        v = mem["vmi"]
        q = mem.get("qemu-kvm") or {}
        fig = (f"vmi {_mib(v['overhead_rss_kib'])} MiB RSS beyond guest RAM (PSS "
               f"{_mib(v['overhead_pss_kib'])}, anonymous {_mib(v['overhead_anon_kib'])}); "
               f"QEMU {_mib(q.get('overhead_rss_kib'))} MiB (anonymous "
               f"{_mib(q.get('overhead_anon_kib'))})")
        verdict = f"**{t['rss']['verdict']}**"
        if "anonymous_verdict" in t["rss"]:
            verdict += f" (anonymous only: {t['rss']['anonymous_verdict']})"
    else:
        fig, verdict = vmm.get("missing", "not measured"), "**missing**"
    rows.append([t["rss"]["target"], fig, verdict])
    out = [_table(["target", "figure", "verdict"], rows, ["l", "l", "l"]), ""]
    out.append("Native overhead of the layer per benchmark: VMI-fied kernel / pure-native "
               "kernel − 1, median of paired repetitions [95 % interval], best = ratio of the "
               "fastest runs, verdict against +1 %.")
    out.append("")
    lrows = []
    for n in envmod.RESULT_ORDER:
        row = [n]
        for key in ("layer_vmm", "layer_tcg"):
            s = a["ratios"][key].get(n)
            best = a["ratios_of_minima"][key].get(n)
            row += [_pct(s), f"{100 * (best - 1):+.1f} %" if best else "–",
                    t[key]["per_benchmark"].get(n, "–")]
        if any(c != "–" for c in row[1:]):
            lrows.append(row)
    out.append(_table(["benchmark", "our VMM", "best", "verdict", "QEMU TCG*", "best",
                       "verdict"], lrows, ["l", "r", "r", "l", "r", "r", "l"]))
    out.append("")
    out.append("A verdict is *met* when the whole 95 % interval of the median is within the "
               "target, *missed* when all of it is outside, *not resolved* when the interval "
               "straddles it (more repetitions, or a quieter machine, would decide).")
    out.append("")
    out += _target_reasons(data)
    return "\n".join(out)


def _target_reasons(data):
    a = data["analysis"]
    t = a["targets"]
    vmm = data.get("vmm") or {}
    out = []
    layer_bad = [k for k in ("layer_vmm", "layer_tcg") if t[k]["verdict"] in
                 ("missed", "not resolved")]
    if layer_bad:
        out.append("**Native overhead of the layer: why, and what would fix it.** "
                   "At each VMI call site the VMI-fied kernel executes the native "
                   "instruction(s) and then one multi-byte NOP: sites are padded to 5 bytes so "
                   "that the runtime can patch a `call rel32` over them (guest/vmi/site.hpp), "
                   "and the page-table notifications (ALLOCATE_PAGE, RELEASE_PAGE, "
                   "SET_LAZY_MODE), empty natively, are a NOP where the pure-native build has "
                   "nothing. Argument set-up is the same in both builds (the same asm "
                   "constraints), so the difference is one instruction per site executed "
                   "(`objdump -d` of KernelOps::invalidate: `invlpg (%rdi)` then `xchg "
                   "%ax,%ax`, against `invlpg (%rdi)` alone). On this host every kernel-mode "
                   "instruction is emulated (~1,100–1,500 cycles, docs/testbed.md), so that "
                   "NOP costs what a real instruction costs; on a host with VT-x/SVM it is a "
                   "fraction of a cycle. The cheapest kernel-level operations show it "
                   "clearly: a `cpuid` through its site is one ~13,000-cycle exit plus one "
                   "NOP, about +10 % (the best runs show it even when the median's interval "
                   "is wide), an `inb` from the UART one ~32,000-cycle exit plus one NOP, "
                   "about +4 %. Longer paths (a system call, a fault, fork) spread a "
                   "few NOPs over hundreds of thousands of cycles, below this machine's "
                   "noise. The fix is in the site format, not in a ROM: encode the native "
                   "instruction long enough to fill the site (redundant prefixes, a 32-bit "
                   "displacement: `invlpg 0x0(%rdi)` is 7 bytes) instead of appending a NOP, "
                   "or let the runtime rewrite a site it leaves native that way, so that a "
                   "native site runs exactly the pure-native instructions; only the empty "
                   "notification sites would keep their NOP. Under TCG a NOP costs a few host "
                   "cycles, far below TCG's noise. *Not resolved* means the interval "
                   "straddles +1 %: noise, not a measured overhead; more repetitions on a "
                   "quieter machine would decide.")
        out.append("")
    if t["start_to_entry"]["verdict"] not in ("met", "missing"):
        out.append("**Start-to-entry:** below 5×, or not resolved. vmi's time to entry is "
                   "process start, KVM VM and vCPU creation, loading the ELF and the ROM; "
                   "QEMU's is its own initialisation. See the VMM-level section.")
        out.append("")
    mem = vmm.get("memory")
    if mem and t["rss"]["verdict"] not in ("met", "missing"):
        files = mem["vmi"].get("file_rss_kib", {})
        top = ", ".join(f"{k} {v / 1024:.1f} MiB" for k, v in list(files.items())[:4])
        out.append("**VMM memory: why, and what would fix it.** Most of vmi's RSS beyond the "
                   "guest's RAM is file-backed pages of the shared libraries it maps "
                   f"({top}): RSS counts every resident page mapped, including code shared "
                   "with every other process using those libraries, and the kernel maps file "
                   "pages around each fault (fault-around), so a library contributes more than "
                   "the code vmi runs. vmi's private (anonymous) memory beyond guest RAM is "
                   f"{_mib(mem['vmi']['overhead_anon_kib'])} MiB, within the target. The fix is "
                   "to link vmi statically: scratch builds of the same tree measured the same "
                   "way on 2026-11-22 gave 2.95 MiB RSS beyond guest RAM with "
                   "`-static-libstdc++ -static-libgcc -Wl,--gc-sections` (libc still shared) "
                   "and 2.11 MiB fully static (`-static`; RSS = PSS then, nothing is shared), "
                   "of which 1.3 MiB is vmi's own resident text and 0.85 MiB anonymous. The "
                   "last 0.1 MiB would have to come from a smaller binary (`-Os`) or less of "
                   "it touched at start-up (not measured).")
        out.append("")
    return out


def gains_section(data, names, unit):
    a = data["analysis"]
    ex = a["exits"]
    rows = []
    for n in names:
        s = a["ratios"]["rom_over_norom"].get(n)
        rom, nor = a["per_op"][n].get("rom"), a["per_op"][n].get("norom")
        if s and s["median"] > 0:
            g = 1 / s["median"]
            gtxt = f"{_ratio(g)}×"
            if s["n"] >= 2 and s["ci_low"] > 0:
                gtxt += f" [{_ratio(1 / s['ci_high'])}, {_ratio(1 / s['ci_low'])}]"
            if s["n"] >= 2 and s["ci_low"] <= 1 <= s["ci_high"]:
                gtxt += ", within noise"
        else:
            gtxt = "–"
        group = next(g for g, res in envmod.RESULTS_OF.items() if n in res)
        hc = (ex.get(group, {}).get("rom", {}).get("ports_per_op")) or {}
        calls = ", ".join(f"{HYPERCALL_PORTS[p]} {v:.2g}" for p, v in hc.items()
                          if p in HYPERCALL_PORTS and v >= 1e-5)
        rows.append([n, _cyc(nor["median"]) if nor else "–",
                     _cyc(rom["median"]) if rom else "–", gtxt, calls or "–",
                     EXPLAIN.get(n, "")])
    out = [_table(["benchmark", "no-ROM", "ROM", "gain: no-ROM / ROM [95 % CI]",
                   "ROM hypercalls per op", "what the ROM changes on this path"], rows,
                  ["l", "r", "r", "r", "l", "l"])]
    out.append("")
    out.append("The ROM of this build binds what is cheaper through our VMM than natively: the "
               "console, cycle frequency, wall clock, shutdown/reboot, features, and page "
               "zeroing and copying; the page-table calls that only inform the hypervisor are "
               "NOPs, and the MMU updates, events, the APIC and the alarm stay native "
               "(docs/rom-vmm.md says why for each). Benchmarks whose measured path goes "
               "through none of the bound calls should show no gain, and their interval "
               "should contain 1. What would move them is named per row: a ROM that keeps "
               "the kernel out of emulated CPL0, or a host interface for batched page-table "
               "updates.")
    return "\n".join(out)


def exits_section(data):
    a = data["analysis"]
    ex = a["exits"]
    vmi_envs = [e for e in ("rom", "norom", "native")
                if any(d["id"] == e for d in data["environments"])]
    if not ex:
        return "No exit counts (no run of our VMM succeeded)."
    rows = []
    for g in envmod.GROUP_NAMES:
        if g not in ex:
            continue
        row = [g]
        for e in vmi_envs:
            d = ex[g].get(e)
            if not d:
                row += ["–", "–"]
                continue
            row.append(f"{d['per_run']['median']:,.0f}")
            row.append(f"{d['per_op']:.3g}" if "per_op" in d else "–")
        for e in ("norom", "rom"):
            d = ex[g].get(e) or {}
            per = d.get("ports_per_op") or {}
            row.append(", ".join(f"{p} {v:.3g}" for p, v in sorted(per.items(),
                                                                  key=lambda kv: -kv[1])
                                 if v >= 1e-4) or "–")
        rows.append(row)
    head = ["benchmark"]
    for e in vmi_envs:
        head += [f"{e} exits/run", f"{e} /op"]
    head += ["no-ROM ports /op", "ROM ports /op"]
    out = [_table(head, rows, ["l"] + ["r"] * (2 * len(vmi_envs)) + ["l", "l"])]
    out.append("")
    out.append("Exits that reach the VMM's userspace (KVM handles the APIC, the TSC-deadline "
               "timer and MSRs in the kernel; those are not counted). Per run: the median over "
               "repetitions, including boot and the result line. Per op: the difference to the "
               "same benchmark booted with iterations=1, divided by the difference in "
               "operations (console: against the trap boot, per byte; cpuid and time: per "
               "operation of both their results, so time's CMOS exits, all wallclock's, read "
               "0.5 + 0.5 for one `out` and one `in` per wallclock call). Ports 0x3f8/0x3fd "
               "are the UART, 0x70/0x71 the CMOS clock, 0x560–0x565 the ROM's hypercalls.")
    return "\n".join(out)


def vmm_section(data):
    vmm = data.get("vmm") or {}
    if vmm.get("missing"):
        return f"**missing**: {vmm['missing']}."
    out = []
    entry = vmm.get("start_to_entry")
    if entry:
        out.append("### Start to guest entry")
        out.append("")
        out.append("Proxy: `bench/guests/entry_mark.S`, a guest whose first instructions write "
                   "one newline to COM1 and exit through the debug-exit port; no boot code runs "
                   "before the write. Timed from just before the monitor is spawned to that "
                   "byte arriving on a pty (a terminal, so vmi's stdio flushes at the newline "
                   "as it does for a user), and to process exit. `vmi run` with its defaults "
                   "(the bundled ROM is mapped); QEMU microvm with KVM, the same guest, "
                   f"{data['options']['mem_mib']} MiB each. {entry['launches']} interleaved "
                   "launches after one untimed launch of each.")
        out.append("")
        rows = []
        for m, label in (("vmi", "vmi run"), ("qemu-kvm", "QEMU microvm KVM")):
            d = entry.get(m) or {}
            e, x = d.get("entry_ms"), d.get("exit_ms")
            rows.append([label, _ms(e), f"{e['min']:.1f}" if e else "–", _ms(x),
                         f"{x['min']:.1f}" if x else "–"])
        out.append(_table(["monitor", "to entry, median ms", "min", "to exit, median ms",
                           "min"], rows))
        out.append("")
        out.append("QEMU / vmi, paired launches: to entry "
                   f"{_ci(entry.get('ratio_qemu_over_vmi'))}, to exit "
                   f"{_ci(entry.get('ratio_exit_qemu_over_vmi'))}. vmi's time from entry "
                   "to exit is almost all KVM tearing the VM down when vmi closes the VM file "
                   "descriptor (strace shows ~11 ms in that `close` with this host's kvm_pvm); "
                   "the guest itself has exited after two port exits.")
        if entry.get("errors"):
            out.append("")
            out.append("Errors: " + "; ".join(entry["errors"]))
        out.append("")
    mem = vmm.get("memory")
    if mem:
        out.append("### Memory overhead")
        out.append("")
        out.append(f"The same guest in both: the reference kernel running `{mem['workload']}` "
                   f"with {mem['mem_mib']} MiB of RAM. /proc/PID/smaps is read every 20 ms "
                   "while it runs; the reading with the largest overhead counts. Guest RAM is "
                   "the anonymous mapping of the guest's size (one in each monitor); its "
                   "resident part (what the guest touched, and for QEMU what it pre-touched) "
                   "is subtracted. RSS counts shared library pages in full, PSS divides them "
                   f"among the processes sharing them, anonymous is private memory. "
                   f"{mem['launches']} launch(es) each, medians.")
        out.append("")
        rows = []
        for m, label in (("vmi", "vmi run"), ("qemu-kvm", "QEMU microvm KVM")):
            d = mem.get(m) or {}
            files = d.get("file_rss_kib") or {}
            top = ", ".join(f"{k} {v / 1024:.1f}" for k, v in list(files.items())[:4])
            rows.append([label, _mib(d.get("vm_hwm_max_kib")), _mib(d.get("rss_kib")),
                         _mib(d.get("guest_rss_kib")), f"**{_mib(d.get('overhead_rss_kib'))}**",
                         _mib(d.get("overhead_pss_kib")), _mib(d.get("overhead_anon_kib")),
                         top or "–"])
        out.append(_table(["monitor", "VmHWM", "RSS", "guest RAM resident", "RSS − guest",
                           "PSS − guest", "anonymous − guest", "largest file mappings (RSS)"],
                          rows, ["l"] + ["r"] * 6 + ["l"]))
        out.append("")
        out.append("All in MiB.")
        if mem.get("errors"):
            out.append("")
            out.append("Errors: " + "; ".join(mem["errors"]))
    return "\n".join(out)


def method_section(data):
    o = data["options"]
    iters = ", ".join(f"{g} {n:,}" if n else f"{g} (kernel's own: 64 KiB)"
                      for g, n in o["iterations"].items())
    plural = "s" if o["reps"] != 1 else ""
    return "\n".join([
        f"- One guest boot per benchmark and environment: `run=bench:NAME iterations=N` on the "
        f"kernel command line, {o['mem_mib']} MiB of guest RAM everywhere. Counts: {iters}. "
        "cpuid and time each print two results from one boot. A boot takes well under a second "
        "to a few seconds here.",
        "- Cycles per operation = the kernel's `cycles` / `iterations` (guest TSC; under our "
        "VMM and QEMU/KVM that is the host TSC, under TCG a TSC that does not follow real "
        "time).",
        "- Every (benchmark, environment) first runs once with iterations=1, untimed: it warms "
        "the page cache, stops an environment that does not work before the long part, and is "
        "the baseline for exits per operation.",
        f"- {o['reps']} repetition{plural}. In each, a benchmark runs in every environment "
        "back to back, the starting environment rotating between benchmarks and repetitions, "
        "so slow drifts of the machine's load hit all environments alike. Ratios are taken per "
        "repetition and their median reported, with an order-statistics 95 % interval "
        "(no distribution assumed).",
        "- Every run is checked: exit status (vmi: the guest's 0; QEMU: (0 << 1) | 1), the "
        "kernel's binding line (bound to the ROM / no ROM found / pure native build), the "
        "`rom` field of each result and the expected result names. A run that fails any check "
        "is an error and does not count.",
        "- Noise: this machine is shared; separate runs differ by up to ±20 %. Read ratios with "
        "their intervals, and compare runs made the same way.",
        "- Not measured here: anything needing VT-x/SVM (this host has none; guest kernel mode "
        "is emulated by kvm_pvm at ~1,500 cycles per instruction, user mode runs natively).",
    ])
