// Result type and TRY macro for host code (docs/design.md §7, "Errors"): one [[nodiscard]]
// result, errors by category.
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace vmm {

// Error categories; each maps to a distinct `vmi` exit status (see cli/exit_codes.hpp).
enum class ErrorKind {
    Usage,       // bad flags or values on the command line
    NoInput,     // a file could not be opened or read
    BadImage,    // a kernel image is malformed
    BadRom,      // a ROM image is malformed or too large
    Unavailable, // /dev/kvm or a needed KVM capability is missing
    System,      // an ioctl, mmap or other OS call failed
    GuestAccess, // a guest-physical range lies outside guest memory
};

struct Error {
    ErrorKind kind;
    std::string message;
};

template <typename T> class [[nodiscard]] Result {
  public:
    Result(T value) : v_(std::move(value)) {}
    Result(Error error) : v_(std::move(error)) {}

    bool ok() const { return v_.index() == 0; }
    explicit operator bool() const { return ok(); }
    T& value() & { return std::get<0>(v_); }
    T&& value() && { return std::get<0>(std::move(v_)); }
    const T& value() const& { return std::get<0>(v_); }
    const Error& error() const { return std::get<1>(v_); }
    Error&& take_error() { return std::get<1>(std::move(v_)); }

  private:
    std::variant<T, Error> v_;
};

template <> class [[nodiscard]] Result<void> {
  public:
    Result() = default;
    Result(Error error) : error_(std::move(error)), ok_(false) {}

    bool ok() const { return ok_; }
    explicit operator bool() const { return ok_; }
    void value() const {}
    const Error& error() const { return error_; }
    Error&& take_error() { return std::move(error_); }

  private:
    Error error_{};
    bool ok_ = true;
};

inline Error make_error(ErrorKind kind, std::string message) {
    return Error{kind, std::move(message)};
}

} // namespace vmm

// Evaluates a Result expression; returns its error from the enclosing function, otherwise
// yields the value (GNU statement expression, supported by g++ and clang). The temporary's
// name is unique so that TRY can nest.
#define VMI_TRY_CONCAT2(a, b) a##b
#define VMI_TRY_CONCAT(a, b) VMI_TRY_CONCAT2(a, b)
#define VMI_TRY_IMPL(expr, tmp)                                                                    \
    ({                                                                                             \
        auto tmp = (expr);                                                                         \
        if (!tmp.ok()) return tmp.take_error();                                                    \
        std::move(tmp).value();                                                                    \
    })
#define TRY(expr) VMI_TRY_IMPL(expr, VMI_TRY_CONCAT(try_result_, __COUNTER__))
