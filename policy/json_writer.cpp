#include "policy/json_writer.hpp"

#include <cstdio>

namespace spice_connect {
namespace {

// Length of the well-formed UTF-8 sequence at s[i], 0 when it is not one
// (overlong forms, surrogates and code points above U+10FFFF included).
std::size_t utf8_length(std::string_view s, std::size_t i) {
    auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
    unsigned char c = byte(i);
    std::size_t n;
    unsigned min;
    unsigned cp;
    if (c < 0x80) return 1;
    if ((c & 0xe0) == 0xc0) n = 2, min = 0x80, cp = c & 0x1fu;
    else if ((c & 0xf0) == 0xe0) n = 3, min = 0x800, cp = c & 0x0fu;
    else if ((c & 0xf8) == 0xf0) n = 4, min = 0x10000, cp = c & 0x07u;
    else return 0;
    if (i + n > s.size()) return 0;
    for (std::size_t k = 1; k < n; ++k) {
        if ((byte(i + k) & 0xc0) != 0x80) return 0;
        cp = (cp << 6) | (byte(i + k) & 0x3fu);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return 0;
    return n;
}

}  // namespace

std::string json_quote(std::string_view s) {
    std::string out = "\"";
    for (std::size_t i = 0; i < s.size();) {
        unsigned char c = static_cast<unsigned char>(s[i]);
        switch (c) {
        case '"': out += "\\\""; ++i; continue;
        case '\\': out += "\\\\"; ++i; continue;
        case '\n': out += "\\n"; ++i; continue;
        case '\t': out += "\\t"; ++i; continue;
        case '\r': out += "\\r"; ++i; continue;
        case '\b': out += "\\b"; ++i; continue;
        case '\f': out += "\\f"; ++i; continue;
        default: break;
        }
        if (c < 0x20 || c == 0x7f) {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(c));
            out += buf;
            ++i;
            continue;
        }
        std::size_t n = utf8_length(s, i);
        if (n == 0) {
            out += "\\ufffd";
            ++i;
            continue;
        }
        out.append(s.substr(i, n));
        i += n;
    }
    return out + "\"";
}

void JsonWriter::newline() {
    out_ += '\n';
    out_.append(levels_.size() * 2, ' ');
}

void JsonWriter::before_value() {
    if (after_key_) {
        after_key_ = false;
        return;
    }
    if (levels_.empty()) return;
    Level& l = levels_.back();
    if (!l.empty) out_ += ',';
    l.empty = false;
    newline();
}

void JsonWriter::open(char c, bool object) {
    before_value();
    out_ += c;
    levels_.push_back(Level{object});
}

void JsonWriter::close(char c) {
    bool empty = levels_.back().empty;
    levels_.pop_back();
    if (!empty) newline();
    out_ += c;
    if (levels_.empty()) out_ += '\n';
}

void JsonWriter::begin_object() { open('{', true); }
void JsonWriter::end_object() { close('}'); }
void JsonWriter::begin_array() { open('[', false); }
void JsonWriter::end_array() { close(']'); }

void JsonWriter::key(std::string_view name) {
    before_value();
    out_ += json_quote(name);
    out_ += ": ";
    after_key_ = true;
}

void JsonWriter::string(std::string_view value) {
    before_value();
    out_ += json_quote(value);
}

void JsonWriter::number(std::int64_t value) {
    before_value();
    out_ += std::to_string(value);
}

void JsonWriter::boolean(bool value) {
    before_value();
    out_ += value ? "true" : "false";
}

void JsonWriter::null() {
    before_value();
    out_ += "null";
}

void JsonWriter::string_or_null(std::string_view value) {
    if (value.empty()) null();
    else string(value);
}

}  // namespace spice_connect
