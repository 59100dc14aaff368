// libFuzzer target: `vmi run` argument parsing. The input is split on NUL into arguments, the
// way argv arrives.
#include "cli/run_options.hpp"
#include "fuzz_support.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

namespace {

using fuzz::check;

bool is_digit(char c) {
    return c >= '0' && c <= '9';
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    // An owned copy, so that reading past an argument's end is caught by ASan.
    const std::string input(reinterpret_cast<const char*>(data), size);
    std::vector<std::string> pieces;
    if (!input.empty()) {
        std::size_t start = 0;
        for (;;) {
            const std::size_t nul = input.find('\0', start);
            pieces.push_back(input.substr(start, nul == std::string::npos ? nul : nul - start));
            if (nul == std::string::npos) break;
            start = nul + 1;
        }
    }
    const std::vector<std::string_view> args(pieces.begin(), pieces.end());

    for (std::string_view a : args) {
        auto s = vmm::parse_size(a);
        if (s)
            check(!a.empty() && is_digit(a.front()));
        else
            check(s.error().kind == vmm::ErrorKind::Usage && !s.error().message.empty());
    }

    auto r = vmm::parse_run_options(args);
    if (!r) {
        check(r.error().kind == vmm::ErrorKind::Usage && !r.error().message.empty());
        return 0;
    }
    const vmm::RunOptions& o = r.value();
    check(o.timeout_sec <= 86400);
    if (o.kernel) check(o.kernel->empty() || o.kernel->front() != '-');
    return 0;
}
