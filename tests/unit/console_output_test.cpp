// The host end of the console: every byte arrives, errors and the limit are reported.
#include "cli/console_output.hpp"

#include <atomic>
#include <csignal>
#include <cstdint>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <string>
#include <sys/time.h>
#include <thread>
#include <unistd.h>
#include <vector>

namespace vmm {
namespace {

void on_alarm(int) {}

TEST(ConsoleOutput, EveryByteArrivesThroughASlowPipeUnderInterruptingSignals) {
    int fds[2];
    ASSERT_EQ(pipe(fds), 0);
    // Without SA_RESTART, as the worst case: every blocked write(2) fails with EINTR.
    struct sigaction sa {
    }, old{};
    sa.sa_handler = on_alarm;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGALRM, &sa, &old);
    itimerval t{{0, 1000}, {0, 1000}};
    setitimer(ITIMER_REAL, &t, nullptr);

    constexpr std::size_t kBytes = 1 << 20;
    std::vector<std::uint8_t> got;
    std::thread reader([&] {
        std::uint8_t buf[1024];
        ssize_t n;
        usleep(100'000);
        while ((n = read(fds[0], buf, sizeof buf)) != 0) {
            if (n > 0) got.insert(got.end(), buf, buf + n);
            usleep(50);
        }
    });
    {
        ConsoleOutput out(fds[1], 0, false);
        for (std::size_t i = 0; i < kBytes; ++i)
            out.put(static_cast<std::uint8_t>(i * 7));
        EXPECT_TRUE(out.flush());
        EXPECT_FALSE(out.check());
    }
    close(fds[1]);
    reader.join();
    itimerval off{};
    setitimer(ITIMER_REAL, &off, nullptr);
    sigaction(SIGALRM, &old, nullptr);
    close(fds[0]);
    ASSERT_EQ(got.size(), kBytes);
    for (std::size_t i = 0; i < kBytes; ++i)
        ASSERT_EQ(got[i], static_cast<std::uint8_t>(i * 7)) << "byte " << i;
}

TEST(ConsoleOutput, AFullDeviceIsAnError) {
    const int fd = open("/dev/full", O_WRONLY | O_CLOEXEC);
    ASSERT_GE(fd, 0);
    ConsoleOutput out(fd, 0, false);
    out.put('x');
    EXPECT_FALSE(out.flush());
    const auto stop = out.check();
    ASSERT_TRUE(stop);
    EXPECT_EQ(stop->reason, StopReason::ConsoleError);
    EXPECT_EQ(stop->detail, "cannot write guest console output: No space left on device");
    close(fd);
}

TEST(ConsoleOutput, AClosedPipeIsAnError) {
    int fds[2];
    ASSERT_EQ(pipe(fds), 0);
    close(fds[0]);
    auto old = std::signal(SIGPIPE, SIG_IGN);
    ConsoleOutput out(fds[1], 0, true);
    out.put('\n'); // a line: written at once
    std::signal(SIGPIPE, old);
    ASSERT_TRUE(out.check());
    EXPECT_EQ(out.check()->detail, "cannot write guest console output: Broken pipe");
    close(fds[1]);
}

TEST(ConsoleOutput, TheLimitPassesExactlyThatManyBytes) {
    int fds[2];
    ASSERT_EQ(pipe(fds), 0);
    ConsoleOutput out(fds[1], 5, false);
    for (char c : std::string("abcde"))
        out.put(static_cast<std::uint8_t>(c));
    EXPECT_FALSE(out.check()) << "reaching the limit is allowed, passing it is not";
    out.put('f');
    out.put('g');
    ASSERT_TRUE(out.check());
    EXPECT_EQ(out.check()->reason, StopReason::ConsoleLimit);
    EXPECT_TRUE(out.flush());
    close(fds[1]);
    char buf[16];
    EXPECT_EQ(read(fds[0], buf, sizeof buf), 5);
    EXPECT_EQ(std::string(buf, 5), "abcde");
    close(fds[0]);
}

} // namespace
} // namespace vmm
