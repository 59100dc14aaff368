// Reading a whole input file (kernel, ROM) with the VMM's errors. Only regular files are
// read, and size and leading magic are checked before the bulk of the file is: a FIFO must not
// block the VMM, and a huge file of the wrong kind must cost nothing.
#pragma once

#include "support/result.hpp"

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace vmm {

struct InputRules {
    const char* what;                    // names the file in messages: "kernel", "ROM"
    std::uint64_t max_bytes;             // larger files are refused before reading
    const char* limit;                   // max_bytes in words: "... larger than <limit>"
    ErrorKind bad;                       // the kind of error for a wrong size or magic
    std::span<const std::uint8_t> magic; // the bytes every valid file starts with
    const char* not_magic;               // "<what> '<path>' <not_magic>" when it does not
};

Result<std::vector<std::uint8_t>> read_input_file(const std::string& path, const InputRules& rules);

} // namespace vmm
