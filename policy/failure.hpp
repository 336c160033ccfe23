// The one failure type of the project: what went wrong, as one line for the
// reader, and the exit code it ends in (exit_codes.hpp). Every library
// returns Result<T> (a value or a Failure); every program turns a Failure
// into its message and its exit code.
#pragma once
#include <string>
#include <optional>
#include <utility>
#include <variant>

#include "policy/exit_codes.hpp"

namespace spice_connect {

struct Failure {
    ExitCode code = exit_system;
    std::string message;  // one line, no program name, no newline
    int error = 0;        // the errno behind it, when a system call failed
};

template <typename T>
class [[nodiscard]] Result {
public:
    // Implicit on purpose: `return value;` and `return Failure{...};` read plainly.
    // cppcheck-suppress noExplicitConstructor
    Result(T value) : v_(std::move(value)) {}
    // cppcheck-suppress noExplicitConstructor
    Result(Failure failure) : v_(std::move(failure)) {}
    bool ok() const { return v_.index() == 0; }
    explicit operator bool() const { return ok(); }
    T& value() & { return std::get<0>(v_); }
    const T& value() const& { return std::get<0>(v_); }
    T&& value() && { return std::get<0>(std::move(v_)); }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }
    const Failure& failure() const { return std::get<1>(v_); }

private:
    std::variant<T, Failure> v_;
};

// For steps that return nothing but may fail: nullopt is success.
using Status = std::optional<Failure>;

}  // namespace spice_connect
