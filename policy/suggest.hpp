// "Did you mean": the nearest known word to a mistyped one (a setting, a VM
// option, a VM, a day, a user), for error messages.
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace spice_connect {

// The known word closest to `word` by edits (insert, delete, replace, swap
// two neighbours; case and '_' for '-' are free), if it is close enough to
// be a typing mistake: one edit for words up to 4 letters, two beyond.
std::optional<std::string> nearest_word(std::string_view word, const std::vector<std::string>& known);
// "; did you mean 'X'?" for the nearest word, or "" when none is close.
std::string did_you_mean(std::string_view word, const std::vector<std::string>& known);

}  // namespace spice_connect
