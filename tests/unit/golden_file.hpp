// Golden files for the Catch2 tests: compare a rendered text with the file
// that holds what it must be, and on a mismatch name the case and show a
// unified diff. With SPICE_CONNECT_UPDATE_GOLDEN=1 in the environment the
// files are rewritten from what the code renders now (the same variable as
// tests/firewall/golden_test.cpp); review the change with `git diff`.
#pragma once
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

namespace spice_connect::test {

inline bool updating_golden_files() {
    const char* v = std::getenv("SPICE_CONNECT_UPDATE_GOLDEN");
    return v && *v && std::string_view(v) != "0";
}

// The whole file, or nullopt when it cannot be opened.
inline std::optional<std::string> read_text_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return std::nullopt;
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

// Lines without their '\n'; a last line without one is marked, so that a
// missing final newline shows up in the diff.
inline std::vector<std::string> diff_lines(const std::string& text) {
    std::vector<std::string> lines;
    std::size_t start = 0;
    while (start < text.size()) {
        std::size_t nl = text.find('\n', start);
        if (nl == std::string::npos) {
            lines.push_back(text.substr(start) + "\n\\ No newline at end of file");
            break;
        }
        lines.push_back(text.substr(start, nl - start));
        start = nl + 1;
    }
    return lines;
}

// A unified diff (3 lines of context) from `expected` to `got`; empty when
// they are equal. Golden files are small: a plain LCS table is enough.
inline std::string unified_diff(const std::string& expected, const std::string& got, const std::string& expected_name,
                                const std::string& got_name) {
    if (expected == got) return "";
    const std::vector<std::string> a = diff_lines(expected), b = diff_lines(got);
    const std::size_t n = a.size(), m = b.size();
    // lcs[i][j]: longest common subsequence of a[i..] and b[j..].
    std::vector<std::vector<std::size_t>> lcs(n + 1, std::vector<std::size_t>(m + 1, 0));
    for (std::size_t i = n; i-- > 0;)
        for (std::size_t j = m; j-- > 0;)
            lcs[i][j] = a[i] == b[j] ? lcs[i + 1][j + 1] + 1 : std::max(lcs[i + 1][j], lcs[i][j + 1]);
    struct Edit {
        char op;  // ' ', '-' or '+'
        std::size_t a_line, b_line;  // 0-based positions before this edit
        const std::string* text;
    };
    std::vector<Edit> script;
    std::size_t i = 0, j = 0;
    while (i < n || j < m) {
        if (i < n && j < m && a[i] == b[j]) {
            script.push_back({' ', i, j, &a[i]});
            ++i, ++j;
        } else if (i < n && (j == m || lcs[i + 1][j] >= lcs[i][j + 1])) {
            script.push_back({'-', i, j, &a[i]});  // removals first, as diff -u prints them
            ++i;
        } else {
            script.push_back({'+', i, j, &b[j]});
            ++j;
        }
    }
    constexpr std::size_t context = 3;
    std::string out = "--- " + expected_name + "\n+++ " + got_name + "\n";
    std::size_t k = 0;
    while (k < script.size()) {
        while (k < script.size() && script[k].op == ' ') ++k;
        if (k == script.size()) break;
        // A hunk: `context` lines around its changes; changes at most
        // 2 * `context` unchanged lines apart share one.
        const std::size_t first = k >= context ? k - context : 0;
        std::size_t last = k;
        for (std::size_t e = k; e < script.size(); ++e) {
            if (script[e].op == ' ') continue;
            if (e > last + 2 * context + 1) break;
            last = e;
        }
        const std::size_t end = std::min(script.size(), last + context + 1);
        std::size_t a_count = 0, b_count = 0;
        for (std::size_t e = first; e < end; ++e) {
            a_count += script[e].op != '+' ? 1 : 0;
            b_count += script[e].op != '-' ? 1 : 0;
        }
        out += "@@ -" + std::to_string(script[first].a_line + (a_count ? 1 : 0)) + "," + std::to_string(a_count) + " +" +
               std::to_string(script[first].b_line + (b_count ? 1 : 0)) + "," + std::to_string(b_count) + " @@\n";
        for (std::size_t e = first; e < end; ++e) out += script[e].op + *script[e].text + "\n";
        k = end;
    }
    return out;
}

// Checks `got` against the golden file at `path` for the case `name`. A
// mismatch fails the test (and lets it go on to the next case), naming the
// case; the diff from the file to what was rendered goes to stdout before
// it, because Catch wraps a message's long lines.
inline void check_golden(const std::string& name, const std::string& path, const std::string& got) {
    if (updating_golden_files()) {
        std::ofstream(path, std::ios::binary | std::ios::trunc) << got;
        WARN("golden case " << name << ": rewrote " << path);
    }
    const std::optional<std::string> expected = read_text_file(path);
    if (!expected) {
        std::cout << "golden case " << name << ": got\n" << got << std::flush;
        FAIL_CHECK("golden case " << name << ": cannot read " << path
                                  << " (what was rendered is printed above; write it with SPICE_CONNECT_UPDATE_GOLDEN=1)");
        return;
    }
    if (*expected == got) {
        SUCCEED("golden case " << name);
        return;
    }
    std::cout << "golden case " << name << ": expected (-) and got (+):\n"
              << unified_diff(*expected, got, path, "got") << std::flush;
    FAIL_CHECK("golden case " << name << ": the output differs from " << path
                              << " (the diff is printed above; if the change is intended, regenerate with "
                                 "SPICE_CONNECT_UPDATE_GOLDEN=1)");
}

}  // namespace spice_connect::test
