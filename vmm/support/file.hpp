// Reading a whole input file (kernel, ROM) with the VMM's errors.
#pragma once

#include "support/result.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace vmm {

// `what` names the file in messages ("kernel", "ROM"); a file larger than max_bytes is refused
// before it is read, the message ending in "larger than <limit>".
Result<std::vector<std::uint8_t>> read_input_file(const std::string& path, const char* what,
                                                  std::uint64_t max_bytes, const char* limit);

} // namespace vmm
