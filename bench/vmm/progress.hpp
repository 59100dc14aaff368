// One progress line on stderr, rewritten in place on a terminal; elsewhere (CI logs) only the
// start of each phase is printed so logs stay short.
#pragma once

#include <cstdio>
#include <string>
#include <unistd.h>

namespace bench {

class Progress {
  public:
    Progress() : tty_(isatty(STDERR_FILENO) != 0) {}

    void update(const std::string& phase, unsigned done, unsigned total) {
        if (tty_) {
            std::fprintf(stderr, "\r\033[Kvmm-bench: %s %u/%u", phase.c_str(), done, total);
        } else if (phase != last_phase_) {
            std::fprintf(stderr, "vmm-bench: %s (%u runs)\n", phase.c_str(), total);
        }
        last_phase_ = phase;
        std::fflush(stderr);
    }

    void finish() {
        if (tty_ && !last_phase_.empty()) std::fputs("\r\033[K", stderr);
        last_phase_.clear();
    }

  private:
    bool tty_;
    std::string last_phase_;
};

} // namespace bench
