#include "devices/notify_thread.hpp"

#include <cerrno>
#include <csignal>
#include <cstdint>
#include <cstring>
#include <poll.h>
#include <pthread.h>
#include <string>
#include <sys/eventfd.h>
#include <system_error>
#include <unistd.h>

namespace vmm {

namespace {

Error os_error(const char* what, int err) {
    return make_error(ErrorKind::System, std::string(what) + " failed: " + std::strerror(err));
}

bool readable(int fd) {
    pollfd p{fd, POLLIN, 0};
    return ::poll(&p, 1, 0) == 1 && (p.revents & POLLIN);
}

} // namespace

NotifyThread::NotifyThread(std::vector<Source> sources, Fd stop)
    : sources_(std::move(sources)), stop_(std::move(stop)) {}

Result<std::unique_ptr<NotifyThread>> NotifyThread::start(std::vector<Source> sources) {
    Fd stop(::eventfd(0, EFD_CLOEXEC));
    if (!stop.valid()) return os_error("eventfd", errno);
    std::unique_ptr<NotifyThread> t(new NotifyThread(std::move(sources), std::move(stop)));
    sigset_t all, old;
    sigfillset(&all);
    sigdelset(&all, SIGSYS); // a call off the seccomp allow-list reports itself (exit 70)
    if (const int err = pthread_sigmask(SIG_BLOCK, &all, &old); err != 0)
        return os_error("pthread_sigmask", err);
    std::string failed;
    try {
        t->thread_ = std::thread([p = t.get()] { p->loop(); });
    } catch (const std::system_error& e) {
        failed = e.what();
    }
    pthread_sigmask(SIG_SETMASK, &old, nullptr);
    if (!failed.empty())
        return make_error(ErrorKind::System, "cannot start the I/O thread: " + failed);
    // The C library's own start-up calls in the new thread (set_robust_list, rseq) are not on
    // the seccomp allow-list: they must be over before the filter is installed.
    t->started_.wait(false);
    return t;
}

NotifyThread::~NotifyThread() {
    if (!thread_.joinable()) return;
    const std::uint64_t one = 1;
    if (::write(stop_.get(), &one, sizeof one) == sizeof one)
        thread_.join();
    else
        thread_.detach(); // cannot happen for an eventfd; never block the exit on it
}

bool NotifyThread::idle() const {
    // Pending first, then busy: loop() sets busy_ before it consumes a notification, so a
    // notification is always seen in one of the two.
    for (const Source& s : sources_)
        if (readable(s.eventfd.get())) return false;
    return !busy_.load();
}

void NotifyThread::loop() {
    started_.store(true);
    started_.notify_one();
    std::vector<pollfd> fds;
    for (const Source& s : sources_)
        fds.push_back({s.eventfd.get(), POLLIN, 0});
    fds.push_back({stop_.get(), POLLIN, 0});
    for (;;) {
        if (::poll(fds.data(), fds.size(), -1) < 0) {
            if (errno == EINTR) continue;
            return;
        }
        if (fds.back().revents != 0) return;
        for (std::size_t i = 0; i < sources_.size(); ++i) {
            if (!(fds[i].revents & POLLIN)) continue;
            busy_.store(true);
            std::uint64_t count = 0;
            if (::read(fds[i].fd, &count, sizeof count) == sizeof count) sources_[i].serve();
            busy_.store(false);
        }
    }
}

} // namespace vmm
