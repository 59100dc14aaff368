// The memory manager's result type (docs/design.md §7, "Errors"): a value or a
// small error enum, [[nodiscard]], with MM_TRY to propagate the error.
#pragma once

#include <stdint.h>

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

template <typename T> class [[nodiscard]] Result {
  public:
    constexpr Result(T value) : value_(value), ok_(true) {}
    constexpr Result(Error error) : error_(error), ok_(false) {}

    constexpr bool ok() const { return ok_; }
    constexpr T value() const { return value_; }
    constexpr Error error() const { return error_; }

  private:
    T value_{};
    Error error_{};
    bool ok_;
};

template <> class [[nodiscard]] Result<void> {
  public:
    constexpr Result() = default;
    constexpr Result(Error error) : error_(error), ok_(false) {}

    constexpr bool ok() const { return ok_; }
    constexpr void value() const {}
    constexpr Error error() const { return error_; }

  private:
    Error error_{};
    bool ok_ = true;
};

} // namespace kernel::mm

// Evaluates to the value of a Result, or returns its error from the enclosing function.
#define MM_TRY(expr)                                                                               \
    ({                                                                                             \
        auto mm_try_result_ = (expr);                                                              \
        if (!mm_try_result_.ok()) return mm_try_result_.error();                                   \
        mm_try_result_.value();                                                                    \
    })
