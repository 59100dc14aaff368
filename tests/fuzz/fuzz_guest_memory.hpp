// The smallest guest memory, made once, for the fuzz targets that need one.
#pragma once

#include "fuzz_support.hpp"
#include "memory/guest_memory.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <utility>

namespace fuzz {

inline vmm::GuestMemory& guest_memory() {
    static vmm::GuestMemory memory = [] {
        auto m = vmm::GuestMemory::create(vmm::GuestMemory::kMinSize);
        check(m.ok());
        return std::move(m).value();
    }();
    return memory;
}

// The guest memory holding this input's `contents` from address 0 (at most the low RAM) and
// nothing from earlier inputs: what the last input loaded, and at least the first `min_clear`
// bytes (where the code under test may have written), are zeroed first.
inline vmm::GuestMemory& load_guest_memory(std::span<const std::uint8_t> contents,
                                           std::size_t min_clear = 0) {
    vmm::GuestMemory& memory = guest_memory();
    static std::size_t dirty = 0;
    auto low = memory.span(vmm::GuestPhysAddr(0), vmm::GuestMemory::kLowRamEnd);
    check(low.ok() && contents.size() <= low.value().size());
    std::memset(low.value().data(), 0, std::max(dirty, min_clear));
    std::copy(contents.begin(), contents.end(), low.value().begin());
    dirty = contents.size();
    return memory;
}

} // namespace fuzz
