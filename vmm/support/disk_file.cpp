#include "support/disk_file.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace vmm {

namespace {

constexpr int kDiskIoCalls[] = {SYS_pread64, SYS_pwrite64, SYS_fdatasync};

Error no_input(const std::string& what) {
    return make_error(ErrorKind::NoInput, what);
}

} // namespace

std::span<const int> disk_io_calls() {
    return kDiskIoCalls;
}

Result<DiskFile> open_disk(const std::string& path, bool readonly) {
    const std::string name = "disk '" + path + "'";
    // O_NONBLOCK: opening a FIFO would otherwise wait for its other end.
    Fd fd(::open(path.c_str(), (readonly ? O_RDONLY : O_RDWR) | O_NONBLOCK | O_CLOEXEC | O_NOCTTY));
    if (!fd.valid()) return no_input("cannot open " + name + ": " + std::strerror(errno));
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0)
        return no_input("cannot stat " + name + ": " + std::strerror(errno));
    if (S_ISDIR(st.st_mode)) return no_input(name + " is a directory");
    if (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode))
        return no_input(name + " is not a regular file or block device");
    // A block device's st_size is 0; its end tells its size.
    const off_t end =
        S_ISBLK(st.st_mode) ? ::lseek(fd.get(), 0, SEEK_END) : static_cast<off_t>(st.st_size);
    if (end < 0) return no_input("cannot size " + name + ": " + std::strerror(errno));
    const auto size = static_cast<std::uint64_t>(end);
    if (size % 512 != 0)
        return no_input(name + " is " + std::to_string(size) +
                        " bytes, not a multiple of 512-byte sectors");
    // Requests block like any disk I/O; only open(2) had to be spared a FIFO's wait.
    if (::fcntl(fd.get(), F_SETFL, 0) != 0)
        return no_input("cannot set up " + name + ": " + std::strerror(errno));
    return DiskFile{std::move(fd), size, readonly};
}

} // namespace vmm
