#include "environment.hpp"

#include "kvm/host_cpu.hpp"
#include "kvm/kvm.hpp"
#include "spawn.hpp"

#include <algorithm>
#include <cmath>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <sys/ioctl.h>
#include <sys/utsname.h>
#include <thread>

namespace bench {

namespace {

std::string trim(std::string s) {
    const auto b = s.find_first_not_of(" \t");
    const auto e = s.find_last_not_of(" \t\r\n");
    return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
}

// The value of the first "key : value" line of /proc/cpuinfo.
std::string cpuinfo_field(const std::string& key) {
    std::ifstream in("/proc/cpuinfo");
    for (std::string line; std::getline(in, line);) {
        const auto colon = line.find(':');
        if (colon != std::string::npos && trim(line.substr(0, colon)) == key)
            return trim(line.substr(colon + 1));
    }
    return {};
}

bool has_flag(const std::string& flags, const std::string& flag) {
    std::istringstream words(flags);
    for (std::string w; words >> w;)
        if (w == flag) return true;
    return false;
}

// /sys/module also lists built-in modules (with parameters), which /proc/modules does not.
std::vector<std::string> kvm_modules() {
    std::vector<std::string> names;
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator("/sys/module", ec)) {
        const std::string name = entry.path().filename().string();
        if (name.starts_with("kvm")) names.push_back(name);
    }
    std::sort(names.begin(), names.end());
    return names;
}

// The host TSC rate from KVM (the rate a vCPU's TSC runs at without TSC scaling), else from
// cpuinfo's "cpu MHz", which equals the TSC rate on CPUs with constant_tsc.
void probe_kvm(Environment& env) {
    auto kvm = vmm::Kvm::open();
    if (!kvm) {
        env.kvm_api = "unavailable";
        env.kvm_error = kvm.error().message;
    } else {
        env.kvm_available = true;
        env.kvm_api = std::to_string(ioctl(kvm.value().fd(), KVM_GET_API_VERSION, 0));
        if (auto vm = vmm::Vm::create(kvm.value())) {
            if (auto vcpu = vm.value().create_vcpu(kvm.value(), 0)) {
                env.tsc_khz = vcpu.value().tsc_khz();
                if (env.tsc_khz) env.tsc_source = "KVM_GET_TSC_KHZ";
            }
        }
    }
    if (env.tsc_khz) return;
    const std::string mhz = cpuinfo_field("cpu MHz");
    if (!mhz.empty() && has_flag(cpuinfo_field("flags"), "constant_tsc")) {
        env.tsc_khz = static_cast<std::uint32_t>(std::lround(std::stod(mhz) * 1000));
        env.tsc_source = "/proc/cpuinfo";
    } else {
        env.tsc_source = "unknown";
    }
}

void probe_qemu(Environment& env, const std::string& qemu) {
    auto run = run_process({qemu, "--version"}, std::chrono::seconds(10));
    env.qemu_version = "unavailable";
    if (!run) {
        env.qemu_error = run.error().message;
        return;
    }
    const ProcessOutcome& out = run.value();
    if (!out.exited || out.status != 0) {
        env.qemu_error = qemu + " --version: " + describe(out);
        return;
    }
    env.qemu_available = true;
    env.qemu_version = out.output.substr(0, out.output.find('\n'));
}

} // namespace

Environment probe_environment(const std::string& qemu) {
    Environment env;
    env.cpu_model = cpuinfo_field("model name");
    if (env.cpu_model.empty()) env.cpu_model = "unknown";
    env.cpus = std::thread::hardware_concurrency();
    utsname u{};
    env.kernel =
        uname(&u) == 0 ? std::string(u.sysname) + " " + u.release + " " + u.version : "unknown";
    env.virt_extensions = vmm::host_virtualization_extension();
    env.kvm_modules = kvm_modules();
    probe_kvm(env);
    probe_qemu(env, qemu);
#if defined(__clang__)
    env.compiler = "clang " __clang_version__;
#else
    env.compiler = "g++ " __VERSION__;
#endif
    char stamp[32];
    const std::time_t now = std::time(nullptr);
    std::tm tm{};
    gmtime_r(&now, &tm);
    std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tm);
    env.timestamp_utc = stamp;
    return env;
}

} // namespace bench
