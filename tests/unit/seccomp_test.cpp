// The VMM's seccomp allow-list: allowed calls work, any other ends the process with one line.
#include "support/disk_file.hpp"
#include "support/seccomp.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <string>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

namespace vmm {
namespace {

constexpr int kStatus = 70;

// Runs `body` in a child under the filter; returns its exit status and what it wrote to stderr.
template <typename F>
std::pair<int, std::string> under_filter(F body, std::span<const int> calls = {}) {
    int fds[2];
    EXPECT_EQ(pipe(fds), 0);
    const pid_t pid = fork();
    if (pid == 0) {
        dup2(fds[1], STDERR_FILENO);
        close(fds[0]);
        if (!install_seccomp_filter({}, calls, kStatus)) _exit(2);
        body();
        _exit(0);
    }
    close(fds[1]);
    std::string err;
    char buf[256];
    ssize_t n;
    while ((n = read(fds[0], buf, sizeof buf)) > 0)
        err.append(buf, static_cast<std::size_t>(n));
    close(fds[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    return {WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status), err};
}

TEST(Seccomp, AllowedCallsRun) {
    const auto [status, err] = under_filter([] {
        if (write(STDERR_FILENO, "still here\n", 11) != 11) _exit(3);
    });
    EXPECT_EQ(status, 0);
    EXPECT_EQ(err, "still here\n");
}

TEST(Seccomp, AnyOtherCallEndsTheProcessWithOneLine) {
    const auto [status, err] = under_filter([] { syscall(SYS_getppid); });
    EXPECT_EQ(status, kStatus);
    EXPECT_EQ(err, "vmm: seccomp: system call " + std::to_string(SYS_getppid) +
                       " is not on the VMM's allow-list; stopping (--no-seccomp disables the "
                       "filter)\n");
}

TEST(Seccomp, IoctlIsAllowedOnlyWithListedRequests) {
    const auto [status, err] = under_filter([] { ioctl(STDERR_FILENO, 0x1234, 0); });
    EXPECT_EQ(status, kStatus);
    EXPECT_NE(err.find("system call " + std::to_string(SYS_ioctl)), std::string::npos);
}

TEST(Seccomp, OpeningFilesIsNotAllowed) {
    const auto [status, err] =
        under_filter([] { syscall(SYS_openat, AT_FDCWD, "/etc/passwd", 0); });
    EXPECT_EQ(status, kStatus);
    EXPECT_NE(err.find("system call " + std::to_string(SYS_openat)), std::string::npos);
}

TEST(Seccomp, DiskIoOnlyWhenAsked) {
    const auto disk_io = [] {
        char byte = 0;
        if (pread(STDERR_FILENO, &byte, 1, 0) > 1) _exit(3);
        fdatasync(STDERR_FILENO);
    };
    EXPECT_EQ(under_filter(disk_io).first, kStatus);
    const auto [status, err] = under_filter(disk_io, disk_io_calls());
    EXPECT_EQ(status, 0) << err;
}

} // namespace
} // namespace vmm
