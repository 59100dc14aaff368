#include "spawn.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace bench {

namespace {

constexpr std::size_t kOutputKeep = 2048;

class OwnedFd {
  public:
    explicit OwnedFd(int fd = -1) : fd_(fd) {}
    OwnedFd(const OwnedFd&) = delete;
    OwnedFd& operator=(const OwnedFd&) = delete;
    ~OwnedFd() {
        if (fd_ >= 0) close(fd_);
    }
    int get() const { return fd_; }

  private:
    int fd_;
};

vmm::Error os_error(const std::string& what) {
    return vmm::make_error(vmm::ErrorKind::System, what + ": " + std::strerror(errno));
}

std::string trim_end(std::string text) {
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r'))
        text.pop_back();
    return text;
}

// Up to `limit` bytes from the start of the file (all of it for SIZE_MAX).
std::string read_back(int fd, std::size_t limit) {
    struct stat st {};
    if (fstat(fd, &st) != 0 || st.st_size <= 0) return {};
    std::string out(std::min(static_cast<std::size_t>(st.st_size), limit), '\0');
    std::size_t got = 0;
    while (got < out.size()) {
        const ssize_t n = pread(fd, out.data() + got, out.size() - got, static_cast<off_t>(got));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        got += static_cast<std::size_t>(n);
    }
    out.resize(got);
    return out;
}

// Blocks until the child exits or the timeout elapses; true if it exited. A pidfd wakes us
// the moment the child dies, so polling granularity never enters the measurement.
bool wait_exit(pid_t pid, std::chrono::milliseconds timeout) {
    OwnedFd pidfd(static_cast<int>(syscall(SYS_pidfd_open, pid, 0)));
    if (pidfd.get() < 0) return true; // kernel < 5.3: fall back to an unbounded waitpid
    pollfd p{pidfd.get(), POLLIN, 0};
    for (;;) {
        const int r = poll(&p, 1, static_cast<int>(timeout.count()));
        if (r > 0) return true;
        if (r == 0) return false;
        if (errno != EINTR) return true;
    }
}

} // namespace

vmm::Result<ProcessOutcome> run_process(const std::vector<std::string>& argv,
                                        std::chrono::milliseconds timeout, Capture capture) {
    // The child's output goes to in-memory files: no pipe to drain while timing, and the
    // text is still there to parse or to quote when the run fails.
    OwnedFd out_file(memfd_create("vmm-bench-stdout", MFD_CLOEXEC));
    if (out_file.get() < 0) return os_error("memfd_create");
    OwnedFd err_file(capture == Capture::Full ? memfd_create("vmm-bench-stderr", MFD_CLOEXEC) : -1);
    if (capture == Capture::Full && err_file.get() < 0) return os_error("memfd_create");

    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&actions, out_file.get(), STDOUT_FILENO);
    posix_spawn_file_actions_adddup2(
        &actions, capture == Capture::Full ? err_file.get() : out_file.get(), STDERR_FILENO);

    std::vector<char*> args;
    for (const auto& a : argv)
        args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);

    const auto start = std::chrono::steady_clock::now();
    pid_t pid = -1;
    const int err = posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (err != 0) {
        const auto kind =
            (err == ENOENT || err == EACCES) ? vmm::ErrorKind::Unavailable : vmm::ErrorKind::System;
        return vmm::make_error(kind, "cannot run " + argv[0] + ": " + std::strerror(err));
    }

    ProcessOutcome outcome;
    outcome.timed_out = !wait_exit(pid, timeout);
    const auto end = std::chrono::steady_clock::now();
    if (outcome.timed_out) kill(pid, SIGKILL);
    int wstatus = 0;
    while (waitpid(pid, &wstatus, 0) < 0)
        if (errno != EINTR) return os_error("waitpid");

    outcome.wall_ns = std::chrono::duration<double, std::nano>(end - start).count();
    outcome.exited = WIFEXITED(wstatus);
    outcome.status = outcome.exited ? WEXITSTATUS(wstatus) : WTERMSIG(wstatus);
    if (capture == Capture::Full) {
        outcome.stdout_text = read_back(out_file.get(), SIZE_MAX);
        outcome.stderr_text = read_back(err_file.get(), SIZE_MAX);
        // A failing monitor explains itself on stderr: quote that first.
        outcome.output =
            trim_end((outcome.stderr_text + outcome.stdout_text).substr(0, kOutputKeep));
    } else {
        outcome.output = trim_end(read_back(out_file.get(), kOutputKeep));
    }
    return outcome;
}

std::string describe(const ProcessOutcome& outcome) {
    if (outcome.timed_out) return "still running at the time limit (killed)";
    if (!outcome.exited) return "killed by signal " + std::to_string(outcome.status);
    return "exit status " + std::to_string(outcome.status);
}

std::string one_line(std::string text) {
    constexpr std::size_t kMax = 160;
    for (char& c : text)
        if (c == '\n' || c == '\r') c = '|';
    if (text.size() > kMax) text = text.substr(0, kMax) + "...";
    return text;
}

} // namespace bench
