// The memory manager's errors, in the guest side's one result type (vmirt/result.hpp, VMI_TRY).
#pragma once

#include <stdint.h>
#include <vmirt/result.hpp>

namespace kernel::mm {

enum class Error : uint8_t {
    NoMemory = 1,  // no free frame
    AlreadyMapped, // map() over a present entry
    NotMapped,     // no mapping where one is needed
    BadAddress,    // misaligned, non-canonical, or in the wrong half
    Full,          // a fixed-size table has no room
    Overlap,       // an area overlaps another
    InUse,         // the address space is loaded in CR3
    BadBootInfo,   // PVH start info without a usable memory map
};

constexpr const char* error_name(Error e) {
    switch (e) {
    case Error::NoMemory:
        return "out of memory";
    case Error::AlreadyMapped:
        return "already mapped";
    case Error::NotMapped:
        return "not mapped";
    case Error::BadAddress:
        return "bad address";
    case Error::Full:
        return "table full";
    case Error::Overlap:
        return "overlap";
    case Error::InUse:
        return "in use";
    case Error::BadBootInfo:
        return "no usable memory map in the PVH start info";
    }
    return "?";
}

template <typename T> using Result = vmi::Result<T, Error>;

} // namespace kernel::mm
