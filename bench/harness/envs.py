"""The environments the suite runs in, and the benchmark groups (one guest boot each)."""

import os
import shutil
from dataclasses import dataclass, field

from . import host

# One guest boot per group; a group prints one JSON line per result (cpuid and time print two).
# Counts: (full run, --quick). None: the kernel's own count (console always writes 64 KiB).
# Runs are kept short (0.03-0.4 s of measured work) and repeated many times: on this shared
# machine, interference comes and goes within a second, and short runs back to back see the
# same load. forkwait's kernel default (40,000) would take minutes.
GROUPS = [
    # name        results                              full        quick
    ("console",   ["console"],                         None,       None),
    ("cpuid",     ["cpuid_static", "cpuid_dynamic"],   1000,       200),
    ("time",      ["cycle_frequency", "wallclock", "available_cycles"], 1000, 200),
    ("trap",      ["trap"],                            500,        100),
    ("portread",  ["portread"],                        500,        100),
    ("ptemod",    ["ptemod"],                          500,        100),
    ("syscall",   ["syscall"],                         1000,       200),
    ("callret",   ["callret"],                         5_000_000,  1_000_000),
    ("pagefault", ["pagefault"],                       250,        50),
    ("mmap",      ["mmap"],                            150,        30),
    ("div0",      ["div0"],                            250,        50),
    ("forkwait",  ["forkwait"],                        50,         10),
    ("ctxsw",     ["ctxsw"],                           250,        50),
    # blk: N requests per result (docs/benchmarks.md, "Reading the disk figures").
    ("blk",       ["blk_read", "blk_batch", "blk_seq_read", "blk_seq_write", "blk_rand_qd1",
                   "blk_rand_qd8"],                    100,        16),
]
GROUP_NAMES = [g[0] for g in GROUPS]
RESULTS_OF = {g[0]: g[1] for g in GROUPS}
RESULT_ORDER = [r for g in GROUPS for r in g[1]]
KERNEL_LEVEL = {"console", "cpuid_static", "cpuid_dynamic", "cycle_frequency", "wallclock",
                "available_cycles", "trap", "portread", "ptemod"}


# The disk group needs a virtio-blk disk: our VMM's `--disk` or QEMU microvm's virtio-mmio
# transport. It runs where the disk comparison is (KVM), on a scratch image per boot.
BLK_ENVS = ["rom", "depriv", "norom", "qemu-kvm", "qemu-kvm-depriv"]
DISK_GROUPS = {"blk"}
DISK_MIB = 64


# The wall-clock comparison with QEMU TCG (its TSC does not follow real time) and the
# crossover sweep: whole runs timed by the harness, a boot with one operation subtracted.
WALL_ENVS = ["depriv", "norom", "qemu-tcg"]
CROSSOVER_ENVS = ["depriv", "norom", "qemu-tcg"]
CROSSOVER_WORK = [0, 1000, 10_000, 100_000, 200_000, 500_000, 1_000_000]


# Operations per reported iteration, where they differ: ctxsw reports cycles per switch over
# n iterations of its loop, each of which is two switches (guest/user/ubench.cpp).
OPS_PER_ITERATION = {"ctxsw": 2}


def crossover_name(work):
    return f"crossover_{work}"


def default_iterations(quick):
    return {name: (q if quick else full) for name, _, full, q in GROUPS}


@dataclass
class Env:
    id: str
    label: str         # column heading
    description: str
    monitor: str       # "vmi" or "qemu"
    kernel: str        # file name in build/bin
    accel: str = "kvm"  # "kvm" or "tcg"
    icount: bool = False  # TCG with -icount shift=0,sleep=off: the TSC counts instructions
    rom: bool = False  # vmi offers its ROM
    rom_file: str = ""  # vmi --rom FILE (in build/bin): pinned, not whatever vmi defaults to
    binding: str = ""  # the kernel's "vmi: ..." line starts with this
    binding_has: str = ""  # ... and contains this word
    rom_name: str = "none"  # the "rom" field of its JSON lines
    machine: str = "microvm"  # QEMU -M
    option_rom: str = ""  # QEMU -option-rom FILE (in build/bin)
    rom_in_ram: str = ""  # QEMU microvm: FILE (in build/bin) at 0xC0000 by the generic loader
    only_groups: tuple = ()  # runs only these groups (empty: every group)
    available: bool = True
    reason: str = ""   # why not available
    failed: list = field(default_factory=list)  # errors of its runs

    def runs(self, group):
        """Whether this environment runs `group`: the disk group only where it has a disk."""
        if self.only_groups and group not in self.only_groups:
            return False
        return group not in DISK_GROUPS or self.id in BLK_ENVS

    @property
    def real_time(self):
        return self.accel == "kvm"

    @property
    def deterministic(self):
        return self.icount

    @property
    def expected_status(self):
        # QEMU's isa-debug-exit: the process exits with (v << 1) | 1; the kernel writes 0.
        return 0 if self.monitor == "vmi" else 1

    def argv(self, paths, cmdline, mem_mib, stats=True, disk=None):
        """`disk`: a raw image for a virtio-blk device (QEMU: microvm's modern virtio-mmio)."""
        kernel = os.path.join(paths["bin"], self.kernel)
        if self.monitor == "vmi":
            argv = [paths["vmi"], "run", kernel, "--mem", f"{mem_mib}M"]
            if not self.rom:
                argv.append("--no-rom")
            elif self.rom_file:
                argv += ["--rom", os.path.join(paths["bin"], self.rom_file)]
            if stats:
                argv.append("--stats")
            if disk:
                argv += ["--disk", disk]
            return argv + ["--cmdline", cmdline]
        accel = ["-accel", "kvm", "-cpu", "host,-arch-capabilities"] if self.accel == "kvm" \
            else ["-accel", "tcg"]
        if self.icount:
            accel += ["-icount", "shift=0,sleep=off"]
        if self.option_rom:
            accel += ["-option-rom", os.path.join(paths["bin"], self.option_rom)]
        if self.rom_in_ram:
            # microvm's firmware places no option ROM; the loader writes it where the kernel
            # scans, before the guest starts (tests/guests/run_guest.py --rom-in-ram).
            accel += ["-device", "loader,file=" + os.path.join(paths["bin"], self.rom_in_ram)
                      + ",addr=0xc0000,force-raw=on"]
        machine = self.machine
        if disk:
            # Without ACPI, microvm announces its virtio-mmio transports on the command line;
            # they are legacy (version 1) unless told otherwise.
            machine += ",acpi=off"
            accel += ["-global", "virtio-mmio.force-legacy=false",
                      "-device", "virtio-blk-device,drive=d0",
                      "-drive", f"id=d0,file={disk},format=raw,if=none"]
        return [paths["qemu"], "-M", machine, *accel, "-m", f"{mem_mib}M", "-nodefaults",
                "-no-user-config", "-nographic", "-serial", "stdio", "-no-reboot",
                "-kernel", kernel, "-append", cmdline,
                "-device", "isa-debug-exit,iobase=0xf4,iosize=4"]


def all_envs():
    return [
        Env("rom", "ROM", "our VMM (`vmi run --rom vmm.rom`) with its direct ROM: paravirtual, "
            "the kernel at CPL0", "vmi", "kernel.elf", rom=True, rom_file="vmm.rom",
            binding="vmi: bound", rom_name="vmi-vmm"),
        Env("depriv", "deprivileged",
            "our VMM with `--rom vmm-deprivileged.rom`: the kernel at CPL3 under the ROM's "
            "monitor at CPL0", "vmi", "kernel.elf", rom=True, rom_file="vmm-deprivileged.rom",
            binding="vmi: bound", binding_has="deprivileged", rom_name="vmi-vmm-deprivileged"),
        Env("norom", "no-ROM", "our VMM `--no-rom`: the same kernel on its native paths",
            "vmi", "kernel.elf", binding="vmi: no ROM found"),
        Env("native", "pure-native",
            "the pure-native kernel build (no VMI sites) on our VMM `--no-rom`: "
            "the baseline of the layer", "vmi", "kernel-native.elf",
            binding="vmi: pure native build"),
        Env("qemu-kvm", "QEMU KVM",
            "QEMU `-M microvm -accel kvm` with the VMI-fied kernel (a peer hypervisor, no ROM)",
            "qemu", "kernel.elf", binding="vmi: no ROM found"),
        Env("qemu-kvm-depriv", "QEMU KVM + deprivileged ROM",
            "QEMU `-M microvm -accel kvm` with `vmm-deprivileged.rom` put at 0xC0000 by its "
            "loader: the kernel at CPL3 under the ROM's monitor, as in `depriv` (disk group "
            "only)", "qemu", "kernel.elf", rom_in_ram="vmm-deprivileged.rom",
            binding="vmi: bound", binding_has="deprivileged", rom_name="vmi-vmm-deprivileged",
            only_groups=("blk",)),
        Env("q35-kvm", "QEMU q35 KVM",
            "QEMU `-M q35 -accel kvm` (SeaBIOS) with the VMI-fied kernel, no VMI ROM: the "
            "baseline of the KVM ROM", "qemu", "kernel.elf", machine="q35",
            binding="vmi: no ROM"),
        Env("q35-kvm-rom", "QEMU q35 KVM + kvm.rom",
            "the same with `-option-rom kvm.rom`: KVM's paravirtual clock, steal time and PV "
            "EOI, deprivileged where KVM emulates kernel mode", "qemu", "kernel.elf",
            machine="q35", option_rom="kvm.rom", binding="vmi: bound", rom_name="vmi-kvm"),
        Env("q35-kvm-direct", "QEMU q35 KVM + kvm-direct.rom",
            "the same with `-option-rom kvm-direct.rom`: the KVM ROM's bindings with the kernel "
            "at CPL0", "qemu", "kernel.elf", machine="q35", option_rom="kvm-direct.rom",
            binding="vmi: bound", rom_name="vmi-kvm-direct"),
        Env("qemu-tcg", "QEMU TCG",
            "QEMU `-M microvm -accel tcg` with the VMI-fied kernel (function only: its TSC "
            "is not real time)", "qemu", "kernel.elf", accel="tcg",
            binding="vmi: no ROM found"),
        Env("icount", "icount",
            "QEMU TCG `-icount shift=0,sleep=off` with the VMI-fied kernel: its TSC counts "
            "instructions, the same on every run", "qemu", "kernel.elf", accel="tcg",
            icount=True, binding="vmi: no ROM found"),
        Env("icount-native", "icount pure-native",
            "the same with the pure-native kernel: the layer's cost in instructions",
            "qemu", "kernel-native.elf", accel="tcg", icount=True,
            binding="vmi: pure native build"),
    ]
ENV_IDS = [e.id for e in all_envs()]


def check_availability(envs, paths):
    """Marks what cannot run here, with the reason the report and the error line give."""
    kvm_ok, kvm_why = host.kvm_usable()
    qemu = shutil.which(paths["qemu"])
    for e in envs:
        missing = []
        if e.monitor == "vmi" and not os.access(paths["vmi"], os.X_OK):
            missing.append(f"{paths['vmi']} not built")
        if not os.path.exists(os.path.join(paths["bin"], e.kernel)):
            missing.append(f"{os.path.join(paths['bin'], e.kernel)} not built")
        if e.rom and not os.path.exists(os.path.join(paths["bin"], e.rom_file or "vmm.rom")):
            missing.append(f"{os.path.join(paths['bin'], e.rom_file or 'vmm.rom')} not built")
        for rom in (e.option_rom, e.rom_in_ram):
            if rom and not os.path.exists(os.path.join(paths["bin"], rom)):
                missing.append(f"{os.path.join(paths['bin'], rom)} not built")
        if e.monitor == "qemu" and not qemu:
            missing.append(f"no QEMU ({paths['qemu']} not found; scripts/setup installs "
                           "qemu-system-x86)")
        if e.accel == "kvm" and not kvm_ok:
            missing.append(f"no KVM ({kvm_why})")
        if missing:
            e.available = False
            e.reason = "; ".join(missing)
