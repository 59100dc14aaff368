#include "support/file.hpp"

#include "kvm/fd.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace vmm {

namespace {

// Reads up to out.size() bytes from offset; fewer only at the end of the file.
Result<std::size_t> read_at(int fd, std::span<std::uint8_t> out, std::uint64_t offset,
                            const std::string& name) {
    std::size_t done = 0;
    while (done < out.size()) {
        const ssize_t n =
            ::pread(fd, out.data() + done, out.size() - done, static_cast<off_t>(offset + done));
        if (n == 0) break;
        if (n < 0) {
            if (errno == EINTR) continue;
            return make_error(ErrorKind::NoInput,
                              "cannot read " + name + ": " + std::strerror(errno));
        }
        done += static_cast<std::size_t>(n);
    }
    return done;
}

} // namespace

Result<std::vector<std::uint8_t>> read_input_file(const std::string& path,
                                                  const InputRules& rules) {
    const std::string name = std::string(rules.what) + " '" + path + "'";
    // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer.
    Fd fd(::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY));
    if (!fd.valid())
        return make_error(ErrorKind::NoInput, "cannot open " + name + ": " + std::strerror(errno));
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0)
        return make_error(ErrorKind::NoInput, "cannot stat " + name + ": " + std::strerror(errno));
    if (S_ISDIR(st.st_mode)) return make_error(ErrorKind::NoInput, name + " is a directory");
    if (!S_ISREG(st.st_mode))
        return make_error(ErrorKind::NoInput, name + " is not a regular file");
    const auto size = static_cast<std::uint64_t>(st.st_size);
    if (size > rules.max_bytes)
        return make_error(rules.bad, name + " is " + std::to_string(size) + " bytes, larger than " +
                                         rules.limit);

    std::vector<std::uint8_t> head(std::min<std::uint64_t>(rules.magic.size(), size));
    if (TRY(read_at(fd.get(), head, 0, name)) != rules.magic.size() ||
        !std::equal(rules.magic.begin(), rules.magic.end(), head.begin()))
        return make_error(rules.bad, name + " " + rules.not_magic);

    std::vector<std::uint8_t> bytes(static_cast<std::size_t>(size));
    const std::size_t got = TRY(read_at(fd.get(), bytes, 0, name));
    bytes.resize(got); // the file shrank while we read it: judge what was there
    return bytes;
}

} // namespace vmm
