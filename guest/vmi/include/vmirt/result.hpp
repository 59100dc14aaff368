// The guest side's result type (docs/design.md §7, "Errors"): a value or a small error enum,
// [[nodiscard]], with VMI_TRY to propagate the error. Freestanding: no exceptions, no heap.
#pragma once

namespace vmi {

template <typename T, typename E> class [[nodiscard]] Result {
  public:
    constexpr Result(T value) : value_(value), ok_(true) {}
    constexpr Result(E error) : error_(error), ok_(false) {}

    constexpr bool ok() const { return ok_; }
    constexpr T value() const { return value_; }
    constexpr E error() const { return error_; }

  private:
    T value_{};
    E error_{};
    bool ok_;
};

template <typename E> class [[nodiscard]] Result<void, E> {
  public:
    constexpr Result() = default;
    constexpr Result(E error) : error_(error), ok_(false) {}

    constexpr bool ok() const { return ok_; }
    constexpr void value() const {}
    constexpr E error() const { return error_; }

  private:
    E error_{};
    bool ok_ = true;
};

} // namespace vmi

// Evaluates to the value of a Result, or returns its error from the enclosing function.
#define VMI_TRY(expr)                                                                              \
    ({                                                                                             \
        auto vmi_try_result_ = (expr);                                                             \
        if (!vmi_try_result_.ok()) return vmi_try_result_.error();                                 \
        vmi_try_result_.value();                                                                   \
    })
