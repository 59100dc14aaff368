// A 64 KiB disk in memory, made once, for the fuzz targets with a virtio-blk device.
#pragma once

#include "fuzz_support.hpp"
#include "kvm/fd.hpp"
#include "support/disk_file.hpp"

#include <cstdint>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

namespace fuzz {

inline constexpr std::uint64_t kDiskBytes = 64 * 1024;

inline int disk_fd() {
    static const int fd = [] {
        const int f = memfd_create("fuzz-disk", MFD_CLOEXEC);
        check(f >= 0 && ftruncate(f, kDiskBytes) == 0);
        return f;
    }();
    return fd;
}

// The disk for one input's device, which owns the descriptor.
inline vmm::DiskFile disk(bool readonly) {
    const int fd = dup(disk_fd());
    check(fd >= 0);
    return vmm::DiskFile{vmm::Fd(fd), kDiskBytes, readonly};
}

// Whatever the guest asked, the disk keeps its size.
inline void check_disk_size() {
    struct stat st {};
    check(fstat(disk_fd(), &st) == 0 && static_cast<std::uint64_t>(st.st_size) == kDiskBytes);
}

} // namespace fuzz
