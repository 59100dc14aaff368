// The smallest guest memory, made once, for the fuzz targets that need one.
#pragma once

#include "fuzz_support.hpp"
#include "memory/guest_memory.hpp"

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

} // namespace fuzz
