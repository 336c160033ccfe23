// A minimal JSON writer for `show --json`: no external library in a tool
// that runs as root. Output is pretty-printed, two spaces per level.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace spice_connect {

// `s` as a JSON string literal, quotes included. Control characters are
// escaped; bytes that are not well-formed UTF-8 become U+FFFD, so the
// document stays valid whatever a file name contains.
std::string json_quote(std::string_view s);

// Appends to a string. Method names say the type (no overloads), so a
// const char* can never silently become a bool.
class JsonWriter {
public:
    explicit JsonWriter(std::string& out) : out_(out) {}

    void begin_object();
    void end_object();
    void begin_array();
    void end_array();
    void key(std::string_view name);  // inside an object, before each value
    void string(std::string_view value);
    void number(std::int64_t value);
    void boolean(bool value);
    void null();
    // A string, or null when empty (for optional settings).
    void string_or_null(std::string_view value);

private:
    struct Level {
        bool object;
        bool empty = true;
    };
    void before_value();
    void open(char c, bool object);
    void close(char c);
    void newline();

    std::string& out_;
    std::vector<Level> levels_;
    bool after_key_ = false;
};

}  // namespace spice_connect
