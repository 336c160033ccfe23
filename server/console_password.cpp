#include "server/console_password.hpp"

#include <sys/random.h>

#include <cerrno>
#include <optional>

namespace spice_connect {

std::string base64(std::string_view bytes) {
    static constexpr char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    std::size_t i = 0;
    for (; i + 3 <= bytes.size(); i += 3) {
        const unsigned v = (static_cast<unsigned char>(bytes[i]) << 16) | (static_cast<unsigned char>(bytes[i + 1]) << 8) |
                           static_cast<unsigned char>(bytes[i + 2]);
        out += alphabet[(v >> 18) & 63];
        out += alphabet[(v >> 12) & 63];
        out += alphabet[(v >> 6) & 63];
        out += alphabet[v & 63];
    }
    const std::size_t rest = bytes.size() - i;
    if (rest > 0) {
        unsigned v = static_cast<unsigned char>(bytes[i]) << 16;
        if (rest == 2) v |= static_cast<unsigned char>(bytes[i + 1]) << 8;
        out += alphabet[(v >> 18) & 63];
        out += alphabet[(v >> 12) & 63];
        out += rest == 2 ? alphabet[(v >> 6) & 63] : '=';
        out += '=';
    }
    return out;
}

Result<std::string> random_ticket() {
    std::string bytes(32, '\0');
    std::size_t got = 0;
    while (got < bytes.size()) {
        const ssize_t n = ::getrandom(bytes.data() + got, bytes.size() - got, 0);
        if (n < 0) {
            if (errno == EINTR) continue;
            return Failure{exit_system, "cannot read random bytes for a ticket (getrandom)", errno};
        }
        got += static_cast<std::size_t>(n);
    }
    return base64(bytes);
}

std::string libvirt_time(std::time_t t) {
    std::tm utc{};
    ::gmtime_r(&t, &utc);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &utc);
    return buf;
}

std::string_view connected_word(Connected c) {
    switch (c) {
    case Connected::keep: return "keep";
    case Connected::fail: return "fail";
    case Connected::disconnect: return "disconnect";
    }
    return "fail";
}

namespace {

bool is_replaced(std::string_view name) { return name == "passwd" || name == "passwdValidTo" || name == "connected"; }

// The start tag's attributes without those we set; nullopt when the tag is
// not of the shape libvirt writes.
std::optional<std::string> kept_attributes(std::string_view attrs) {
    std::string kept;
    std::size_t i = 0;
    for (;;) {
        while (i < attrs.size() && (attrs[i] == ' ' || attrs[i] == '\n' || attrs[i] == '\t')) ++i;
        if (i == attrs.size()) return kept;
        const std::size_t eq = attrs.find('=', i);
        if (eq == std::string_view::npos || eq + 1 >= attrs.size()) return std::nullopt;
        const char quote = attrs[eq + 1];
        if (quote != '\'' && quote != '"') return std::nullopt;
        const std::size_t close = attrs.find(quote, eq + 2);
        if (close == std::string_view::npos) return std::nullopt;
        const std::string_view name = attrs.substr(i, eq - i);
        if (name.empty() || name.find_first_of(" \t\n") != std::string_view::npos) return std::nullopt;
        if (!is_replaced(name)) kept += " " + std::string(attrs.substr(i, close + 1 - i));
        i = close + 1;
    }
}

}  // namespace

Result<std::string> spice_graphics_with_password(std::string_view domain_xml, std::string_view password,
                                                 std::string_view valid_to, Connected connected) {
    const std::size_t start = domain_xml.find("<graphics type='spice'");
    if (start == std::string_view::npos) return Failure{exit_config, "the domain has no SPICE graphics"};
    const std::size_t tag_end = domain_xml.find('>', start);
    if (tag_end == std::string_view::npos) return Failure{exit_system, "the domain's XML ends inside its graphics element"};
    const bool empty_element = domain_xml[tag_end - 1] == '/';
    const std::size_t attrs_begin = start + std::string_view("<graphics").size();
    const std::size_t attrs_end = empty_element ? tag_end - 1 : tag_end;
    const auto kept = kept_attributes(domain_xml.substr(attrs_begin, attrs_end - attrs_begin));
    if (!kept) return Failure{exit_system, "the domain's graphics element is not as libvirt writes it"};
    std::string element = "<graphics" + *kept + " passwd='" + std::string(password) + "' passwdValidTo='" +
                          std::string(valid_to) + "' connected='" + std::string(connected_word(connected)) + "'";
    if (empty_element) return element + "/>";
    const std::string_view end_tag = "</graphics>";
    const std::size_t end = domain_xml.find(end_tag, tag_end);
    if (end == std::string_view::npos) return Failure{exit_system, "the domain's graphics element has no end"};
    return element + std::string(domain_xml.substr(tag_end, end + end_tag.size() - tag_end));
}

}  // namespace spice_connect
