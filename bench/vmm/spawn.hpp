// Runs a command to completion and times it from just before posix_spawn until the kernel
// reports the child's exit, which is what a user launching the monitor waits for.
#pragma once

#include "support/result.hpp"

#include <chrono>
#include <string>
#include <vector>

namespace bench {

struct ProcessOutcome {
    bool exited = false; // false: killed by a signal (or by our timeout)
    int status = 0;      // exit status, or the signal number when !exited
    bool timed_out = false;
    double wall_ns = 0;
    std::string output; // the start of stdout and stderr, for error messages
};

// argv[0] is looked up in PATH. A missing program is ErrorKind::Unavailable; a child still
// running after `timeout` is killed and reported with timed_out set.
vmm::Result<ProcessOutcome> run_process(const std::vector<std::string>& argv,
                                        std::chrono::milliseconds timeout);

// "exit status 3", "killed by signal 9", "timed out after 30 s" for messages.
std::string describe(const ProcessOutcome& outcome);

} // namespace bench
