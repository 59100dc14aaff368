#include "support/file.hpp"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

namespace vmm {

Result<std::vector<std::uint8_t>> read_input_file(const std::string& path, const char* what,
                                                  std::uint64_t max_bytes, const char* limit) {
    const std::string name = std::string(what) + " '" + path + "'";
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec))
        return make_error(ErrorKind::NoInput, name + " is a directory");
    std::ifstream in(path, std::ios::binary | std::ios::ate);
    if (!in)
        return make_error(ErrorKind::NoInput, "cannot open " + name + ": " + std::strerror(errno));
    const std::streamoff size = in.tellg();
    if (size < 0) return make_error(ErrorKind::NoInput, "cannot read " + name);
    if (static_cast<std::uint64_t>(size) > max_bytes)
        return make_error(ErrorKind::BadImage,
                          name + " is " + std::to_string(size) + " bytes, larger than " + limit);
    std::vector<std::uint8_t> bytes(static_cast<std::size_t>(size));
    in.seekg(0);
    if (!in.read(reinterpret_cast<char*>(bytes.data()), size))
        return make_error(ErrorKind::NoInput, "cannot read " + name);
    return bytes;
}

} // namespace vmm
