// A seccomp allow-list for the VMM process, in the spirit of Firecracker's per-thread filters:
// once the guest runs, the VMM makes only the system calls of its run loop, and ioctl only with
// the requests that loop issues. Anything else is a bug or an exploit; it ends the process.
#pragma once

#include "support/result.hpp"

#include <span>

namespace vmm {

// Installs the filter (and PR_SET_NO_NEW_PRIVS) for the rest of the process's life. A system
// call outside the list raises SIGSYS, whose handler prints one line naming the call on stderr
// and exits with `exit_status`. `ioctls` are the ioctl requests allowed besides TCGETS, `calls`
// the system calls allowed besides the run loop's own (a disk's I/O).
Result<void> install_seccomp_filter(std::span<const unsigned long> ioctls,
                                    std::span<const int> calls, int exit_status);

} // namespace vmm
