"""What the report says about the machine: CPU, KVM (API, capabilities, TSC rate, modules),
versions of every tool involved. Nothing here fails: what cannot be found reads "unknown"."""

import datetime
import fcntl
import os
import platform
import re
import shutil
import subprocess

# KVM ioctls (linux/kvm.h): _IO(KVMIO=0xAE, nr).
KVM_GET_API_VERSION = 0xAE00
KVM_CREATE_VM = 0xAE01
KVM_CHECK_EXTENSION = 0xAE03
KVM_CREATE_VCPU = 0xAE41
KVM_GET_TSC_KHZ = 0xAEA3

KVM_HEADER = "/usr/include/linux/kvm.h"


def _first_line(argv):
    try:
        out = subprocess.run(argv, capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired) as e:
        return f"unavailable ({e})"
    text = (out.stdout or out.stderr).strip()
    return text.splitlines()[0] if text else f"unavailable (exit {out.returncode})"


def _cpuinfo():
    info = {}
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if ":" not in line:
                    if info:
                        break  # the first CPU is enough
                    continue
                k, v = line.split(":", 1)
                info.setdefault(k.strip(), v.strip())
    except OSError:
        pass
    return info


def _meminfo_kib(key):
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return None


def kvm_usable():
    """(True, "") if /dev/kvm opens read-write, else (False, why)."""
    try:
        fd = os.open("/dev/kvm", os.O_RDWR | os.O_CLOEXEC)
    except OSError as e:
        return False, f"/dev/kvm: {e.strerror}"
    os.close(fd)
    return True, ""


def _capability_names():
    """KVM_CAP_* numbers from the installed kernel header, so the list follows the host."""
    names = {}
    try:
        with open(KVM_HEADER) as f:
            for m in re.finditer(r"^#define\s+KVM_CAP_(\w+)\s+(\d+)\s*$", f.read(), re.M):
                names[int(m.group(2))] = m.group(1)
    except OSError:
        pass
    return names


def _probe_kvm():
    kvm = {"available": False}
    ok, why = kvm_usable()
    if not ok:
        kvm["error"] = why
        return kvm
    kvm["available"] = True
    fd = os.open("/dev/kvm", os.O_RDWR | os.O_CLOEXEC)
    try:
        kvm["api_version"] = fcntl.ioctl(fd, KVM_GET_API_VERSION, 0)
        names = _capability_names()
        caps = {}
        for number, name in sorted(names.items()):
            try:
                value = fcntl.ioctl(fd, KVM_CHECK_EXTENSION, number)
            except OSError:
                continue
            if value > 0:
                caps[name] = value
        kvm["capabilities"] = caps
        kvm["capabilities_source"] = KVM_HEADER if names else "unavailable (no linux/kvm.h)"
        # The rate a vCPU's TSC runs at: what the guests' cycle counts are in.
        try:
            vm = fcntl.ioctl(fd, KVM_CREATE_VM, 0)
            try:
                vcpu = fcntl.ioctl(vm, KVM_CREATE_VCPU, 0)
                try:
                    kvm["tsc_khz"] = fcntl.ioctl(vcpu, KVM_GET_TSC_KHZ, 0)
                finally:
                    os.close(vcpu)
            finally:
                os.close(vm)
        except OSError as e:
            kvm["tsc_khz_error"] = str(e)
    finally:
        os.close(fd)
    modules = {}
    try:
        for name in sorted(os.listdir("/sys/module")):
            if not name.startswith("kvm"):
                continue
            params = {}
            pdir = f"/sys/module/{name}/parameters"
            if os.path.isdir(pdir):
                for p in sorted(os.listdir(pdir)):
                    try:
                        with open(os.path.join(pdir, p)) as f:
                            params[p] = f.read().strip()
                    except OSError:
                        pass
            modules[name] = params
    except OSError:
        pass
    kvm["modules"] = modules
    return kvm


def _git(root):
    def git(*args):
        try:
            out = subprocess.run(["git", "-C", root, *args], capture_output=True, text=True,
                                 timeout=20)
        except (OSError, subprocess.TimeoutExpired):
            return None
        return out.stdout.strip() if out.returncode == 0 else None

    commit = git("rev-parse", "--short", "HEAD")
    dirty = git("status", "--porcelain", "--untracked-files=no")
    if commit is None:
        return "unknown (not a git checkout)"
    return commit + (" + working-tree changes" if dirty else "")


def _build_info(build_dir):
    info = {"dir": build_dir}
    try:
        with open(os.path.join(build_dir, "CMakeCache.txt")) as f:
            cache = f.read()
    except OSError:
        return info
    for key in ("CMAKE_BUILD_TYPE", "CMAKE_CXX_COMPILER"):
        m = re.search(rf"^{key}:\w+=(.*)$", cache, re.M)
        if m:
            info[key] = m.group(1)
    if info.get("CMAKE_CXX_COMPILER"):
        info["compiler"] = _first_line([info["CMAKE_CXX_COMPILER"], "--version"])
    return info


def probe(root, build_dir, paths, qemu):
    cpu = _cpuinfo()
    flags = cpu.get("flags", "").split()
    ext = [f for f in ("vmx", "svm") if f in flags]
    uname = platform.uname()
    return {
        "timestamp_utc": datetime.datetime.now(datetime.timezone.utc)
        .strftime("%Y-%m-%dT%H:%M:%SZ"),
        "cpu_model": cpu.get("model name", "unknown"),
        "cpus": os.cpu_count(),
        "mem_total_kib": _meminfo_kib("MemTotal"),
        "virtualization_extensions": ext or "none (no vmx/svm flag)",
        "cpu_flags_of_interest": [f for f in ("constant_tsc", "nonstop_tsc", "tsc_deadline_timer",
                                              "x2apic", "hypervisor") if f in flags],
        "os": f"{uname.system} {uname.release} {uname.version}",
        "kvm": _probe_kvm(),
        "versions": {
            "vmi": _first_line([paths["vmi"], "--version"]) if os.path.exists(paths["vmi"])
            else "missing",
            "qemu": _first_line([qemu, "--version"]) if shutil.which(qemu) else "missing",
            "gnuplot": _first_line(["gnuplot", "--version"]) if shutil.which("gnuplot")
            else "missing",
            "python": platform.python_version(),
        },
        "build": _build_info(build_dir),
        "source": _git(root),
    }
