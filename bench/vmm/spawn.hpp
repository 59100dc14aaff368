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
    // Capture::Full only: everything the child wrote, one stream each.
    std::string stdout_text;
    std::string stderr_text;
};

enum class Capture {
    Head, // stdout and stderr into one file; only its start is kept, in `output`
    Full, // stdout and stderr apart and whole (the figures a child prints are parsed)
};

// argv[0] is looked up in PATH. A missing program is ErrorKind::Unavailable; a child still
// running after `timeout` is killed and reported with timed_out set. The capture mode does not
// change what is timed: the output is read back only after the child has exited.
vmm::Result<ProcessOutcome> run_process(const std::vector<std::string>& argv,
                                        std::chrono::milliseconds timeout,
                                        Capture capture = Capture::Head);

// "exit status 3", "killed by signal 9", "timed out after 30 s" for messages.
std::string describe(const ProcessOutcome& outcome);

// A child's output on one line, shortened, to quote in a table cell.
std::string one_line(std::string text);

} // namespace bench
