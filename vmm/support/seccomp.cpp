#include "support/seccomp.hpp"

#include <cerrno>
#include <csignal>
#include <cstddef>
#include <cstring>
#include <iterator>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <string>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <vector>

// GCC says -fsanitize=address with __SANITIZE_ADDRESS__, clang with __has_feature.
#if defined(__SANITIZE_ADDRESS__)
#define VMM_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define VMM_SANITIZED 1
#endif
#endif

namespace vmm {

namespace {

// What the run loop, the final report and process exit need: console and stderr writes, the
// KVM ioctls, memory for messages and buffers, the kick timer and signal handlers, and the
// calls abort() makes so that a failed assertion still reports itself.
constexpr int kAllowed[] = {
    SYS_write,        SYS_writev,    SYS_poll,          SYS_close,        SYS_fstat,
    SYS_newfstatat,   SYS_mmap,      SYS_munmap,        SYS_mremap,       SYS_brk,
    SYS_madvise,      SYS_mprotect,  SYS_futex,         SYS_rt_sigaction, SYS_rt_sigprocmask,
    SYS_rt_sigreturn, SYS_setitimer, SYS_clock_gettime, SYS_getpid,       SYS_gettid,
    SYS_tgkill,       SYS_exit,      SYS_exit_group,
};

std::vector<int> allowed_calls(std::span<const int> extra) {
    std::vector<int> calls(std::begin(kAllowed), std::end(kAllowed));
    calls.insert(calls.end(), extra.begin(), extra.end());
#ifdef VMM_SANITIZED
    // Sanitizer runtimes check whether memory is readable by writing it into a pipe, and switch
    // signal stacks on exit; a sanitizer build allows that much more and is otherwise the same.
    calls.insert(calls.end(), {SYS_pipe2, SYS_sigaltstack});
#endif
    return calls;
}

int g_exit_status = 0;

// Async-signal-safe: builds the line by hand and leaves with _exit.
void on_sigsys(int, siginfo_t* info, void*) {
    char line[160] = "vmm: seccomp: system call ";
    std::size_t n = std::strlen(line);
    char digits[12];
    int d = 0;
    unsigned nr = static_cast<unsigned>(info->si_syscall);
    do {
        digits[d++] = static_cast<char>('0' + nr % 10);
        nr /= 10;
    } while (nr != 0);
    while (d > 0)
        line[n++] = digits[--d];
    static constexpr char kTail[] =
        " is not on the VMM's allow-list; stopping (--no-seccomp disables the filter)\n";
    std::memcpy(line + n, kTail, sizeof kTail - 1);
    n += sizeof kTail - 1;
    if (::write(STDERR_FILENO, line, n) < 0) {
        // Nothing left to report to.
    }
    _exit(g_exit_status);
}

sock_filter stmt(std::uint16_t code, std::uint32_t k) {
    return BPF_STMT(code, k);
}
sock_filter jeq(std::uint32_t k, std::uint8_t jt, std::uint8_t jf) {
    return BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, k, jt, jf);
}

std::vector<sock_filter> build_program(std::span<const unsigned long> ioctls,
                                       std::span<const int> calls) {
    std::vector<sock_filter> p;
    const auto ret = [&p](std::uint32_t action) { p.push_back(stmt(BPF_RET | BPF_K, action)); };
    // Another architecture's or the x32 ABI's numbers mean other calls: refuse them outright.
    p.push_back(stmt(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, arch)));
    p.push_back(jeq(AUDIT_ARCH_X86_64, 1, 0));
    ret(SECCOMP_RET_KILL_PROCESS);
    p.push_back(stmt(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, nr)));
    p.push_back(BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, __X32_SYSCALL_BIT, 0, 1));
    ret(SECCOMP_RET_KILL_PROCESS);
    for (int nr : allowed_calls(calls)) {
        p.push_back(jeq(static_cast<std::uint32_t>(nr), 0, 1));
        ret(SECCOMP_RET_ALLOW);
    }
    // ioctl: the request is the second argument; the kernel reads it as 32 bits.
    std::vector<unsigned long> requests(ioctls.begin(), ioctls.end());
    requests.push_back(TCGETS); // isatty() from stdio
    const auto block = static_cast<std::uint8_t>(2 + 2 * requests.size());
    p.push_back(jeq(SYS_ioctl, 0, block));
    p.push_back(stmt(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, args[1])));
    for (unsigned long request : requests) {
        p.push_back(jeq(static_cast<std::uint32_t>(request), 0, 1));
        ret(SECCOMP_RET_ALLOW);
    }
    ret(SECCOMP_RET_TRAP);
    ret(SECCOMP_RET_TRAP);
    return p;
}

Error os_error(const char* what) {
    return make_error(ErrorKind::System, std::string(what) + " failed: " + std::strerror(errno));
}

} // namespace

Result<void> install_seccomp_filter(std::span<const unsigned long> ioctls,
                                    std::span<const int> calls, int exit_status) {
    if (ioctls.size() > 100) return make_error(ErrorKind::System, "too many ioctls for seccomp");
    if (calls.size() > 100) return make_error(ErrorKind::System, "too many calls for seccomp");
    g_exit_status = exit_status;
    struct sigaction sa {};
    sa.sa_sigaction = on_sigsys;
    sa.sa_flags = SA_SIGINFO;
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGSYS, &sa, nullptr) != 0) return os_error("sigaction(SIGSYS)");
    std::vector<sock_filter> program = build_program(ioctls, calls);
    const sock_fprog prog{static_cast<unsigned short>(program.size()), program.data()};
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return os_error("prctl(PR_SET_NO_NEW_PRIVS)");
    if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) != 0)
        return os_error("prctl(PR_SET_SECCOMP)");
    return {};
}

} // namespace vmm
