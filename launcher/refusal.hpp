// Why the launcher stops: the exit code and one line for the person.
#pragma once
#include <string>
#include <variant>

namespace spice_connect {

struct Refusal {
    int exit_code;
    std::string message;
};

template <typename T>
using OrRefusal = std::variant<T, Refusal>;

}  // namespace spice_connect
