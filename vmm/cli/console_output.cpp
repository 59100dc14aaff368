#include "cli/console_output.hpp"

#include <cerrno>
#include <cstring>
#include <poll.h>
#include <unistd.h>

namespace vmm {

namespace {

// Large enough that a bulk write costs few write(2) calls, small enough to show output soon.
constexpr std::size_t kBufferBytes = 16 * 1024;

} // namespace

ConsoleOutput::ConsoleOutput(int fd, std::uint64_t limit, bool flush_lines)
    : fd_(fd), limit_(limit), flush_lines_(flush_lines) {
    buffer_.reserve(kBufferBytes);
}

void ConsoleOutput::put(std::uint8_t byte) {
    if (!error_.empty() || over_limit_) return;
    if (limit_ != 0 && accepted_ >= limit_) {
        over_limit_ = true;
        return;
    }
    ++accepted_;
    buffer_.push_back(byte);
    if (buffer_.size() >= kBufferBytes || (flush_lines_ && byte == '\n')) flush();
}

bool ConsoleOutput::flush() {
    std::size_t done = 0;
    while (error_.empty() && done < buffer_.size()) {
        const ssize_t n = ::write(fd_, buffer_.data() + done, buffer_.size() - done);
        if (n > 0) {
            done += static_cast<std::size_t>(n);
        } else if (n < 0 && errno == EINTR) {
            continue;
        } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            // A non-blocking descriptor inherited from the caller: wait until it drains.
            pollfd p{fd_, POLLOUT, 0};
            if (::poll(&p, 1, -1) < 0 && errno != EINTR) error_ = std::strerror(errno);
        } else {
            error_ = n < 0 ? std::strerror(errno) : "write returned 0";
        }
    }
    buffer_.clear();
    return error_.empty();
}

std::optional<StopRequest> ConsoleOutput::check() const {
    if (!error_.empty())
        return StopRequest{StopReason::ConsoleError,
                           "cannot write guest console output: " + error_};
    if (over_limit_)
        return StopRequest{StopReason::ConsoleLimit, "guest console output reached the limit of " +
                                                         std::to_string(limit_) +
                                                         " bytes (--console-limit); stopped"};
    return std::nullopt;
}

} // namespace vmm
