// A host file or block device opened as a guest disk (`vmi run --disk FILE[,ro]`): checked
// before boot, so that a bad one is one line and exit 66, never a surprise inside the guest.
#pragma once

#include "kvm/fd.hpp"
#include "support/result.hpp"

#include <cstdint>
#include <span>
#include <string>

namespace vmm {

struct DiskFile {
    Fd fd;
    std::uint64_t size = 0; // bytes, a multiple of 512
    bool readonly = false;
};

// Opens `path` read-write (read-only with `readonly`); refuses anything but a regular file or
// a block device whose size is a multiple of 512 bytes.
Result<DiskFile> open_disk(const std::string& path, bool readonly);

// The system calls a disk's requests make while the guest runs (the seccomp allow-list).
std::span<const int> disk_io_calls();

} // namespace vmm
