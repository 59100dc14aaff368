// Helpers shared by the fuzz targets.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>

namespace fuzz {

// A broken invariant: abort so that libFuzzer records the input.
inline void check(bool ok) {
    if (!ok) std::abort();
}

inline std::uint32_t load32(const std::uint8_t* p) {
    std::uint32_t v;
    std::memcpy(&v, p, sizeof v);
    return v;
}

// The plain byte-by-byte 8-bit sum, the reference for the ROM checksum.
inline std::uint8_t byte_sum(const std::uint8_t* p, std::size_t len) {
    std::uint8_t sum = 0;
    for (std::size_t i = 0; i < len; ++i)
        sum = static_cast<std::uint8_t>(sum + p[i]);
    return sum;
}

} // namespace fuzz
