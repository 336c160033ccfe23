#include "policy/syntax.hpp"

#include <algorithm>
#include <cstring>
#include <string>

#include "policy/address.hpp"

namespace spice_connect {
namespace {

bool is_alnum(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}
bool is_digit(char c) { return c >= '0' && c <= '9'; }

bool is_dns_label(std::string_view label) {
    if (label.empty() || label.size() > 63) return false;
    if (label.front() == '-' || label.back() == '-') return false;
    for (char c : label)
        if (!is_alnum(c) && c != '-') return false;
    return true;
}

bool is_dns_name(std::string_view s) {
    if (s.empty() || s.size() > 253) return false;
    bool all_numeric_last = true;
    std::size_t start = 0;
    while (true) {
        std::size_t dot = s.find('.', start);
        std::string_view label = s.substr(start, dot == std::string_view::npos ? s.npos : dot - start);
        if (!is_dns_label(label)) return false;
        all_numeric_last = true;
        for (char c : label)
            if (!is_digit(c)) all_numeric_last = false;
        if (dot == std::string_view::npos) break;
        start = dot + 1;
    }
    // A numeric top label would be read as a (bad) IPv4 address by resolvers.
    return !all_numeric_last;
}

}  // namespace

bool is_vm_name(std::string_view s) {
    if (s.empty() || s.size() > 64 || !is_alnum(s.front())) return false;
    for (char c : s)
        if (!is_alnum(c) && c != '.' && c != '_' && c != '-') return false;
    return true;
}

bool is_client_pattern(std::string_view s) {
    // At most a DNS name's length; nothing a netgroup, an option or a list
    // separator could be read as.
    if (s.empty() || s.size() > 253 || s.front() == '-' || s.front() == '.') return false;
    for (char c : s)
        if (!is_alnum(c) && !std::strchr(".-*?[]!", c)) return false;
    return true;
}

bool is_netgroup_name(std::string_view s) {
    if (s.empty() || s.size() > 64 || !is_alnum(s.front())) return false;
    for (char c : s)
        if (!is_alnum(c) && c != '.' && c != '_' && c != '-') return false;
    return true;
}

bool is_account_name(std::string_view s) {
    // Wide enough for LDAP/SSSD names (user@domain, "domain users"), narrow
    // enough that nothing can be mistaken for an option or a passwd field.
    if (s.empty() || s.size() > 256 || s.front() == '-' || s.front() == ' ' || s.back() == ' ')
        return false;
    bool ascii = true;
    for (unsigned char c : s) {
        if (c < 0x20 || c == 0x7f || c == ':' || c == '/' || c == ',' || c == '"' || c == '\\')
            return false;
        ascii = ascii && c < 0x80;
    }
    // Plain ASCII without control characters (just checked) is valid text;
    // only other names need the UTF-8 check. Most maps name only ASCII users.
    return ascii || is_valid_utf8_text(s);
}

bool is_absolute_clean_path(std::string_view s) {
    if (s.size() < 2 || s.size() > 4095 || s.front() != '/' || s.back() == '/') return false;
    std::size_t start = 1;
    while (start <= s.size()) {
        std::size_t slash = s.find('/', start);
        if (slash == std::string_view::npos) slash = s.size();
        std::string_view part = s.substr(start, slash - start);
        if (part.empty() || part == "." || part == "..") return false;
        start = slash + 1;
    }
    for (unsigned char c : s)
        if (c < 0x20 || c == 0x7f) return false;
    return is_valid_utf8_text(s);
}

bool is_zone_name(std::string_view s) {
    if (s.empty() || s.size() > 255 || s.front() == '/' || s.back() == '/') return false;
    std::size_t start = 0;
    while (start <= s.size()) {
        std::size_t slash = s.find('/', start);
        if (slash == std::string_view::npos) slash = s.size();
        std::string_view part = s.substr(start, slash - start);
        if (part.empty() || part == "." || part == ".." || part.front() == '-') return false;
        for (char c : part)
            if (!is_alnum(c) && c != '_' && c != '-' && c != '+') return false;
        start = slash + 1;
    }
    return true;
}

bool is_libvirt_uri(std::string_view s) {
    const std::size_t sep = s.find("://");
    if (s.size() > 1024 || sep == std::string_view::npos) return false;
    // driver[+transport]: only drivers with SPICE consoles (test: libvirt's
    // test driver) and transports that run no program named in the URI.
    // "+ext" and "command=" would run any program, as root in the audit.
    const std::string_view scheme = s.substr(0, sep);
    const std::size_t plus = scheme.find('+');
    const std::string_view driver = scheme.substr(0, plus);
    const std::string_view transport = plus == std::string_view::npos ? std::string_view() : scheme.substr(plus + 1);
    if (driver != "qemu" && driver != "test" && driver != "xen") return false;
    if (!transport.empty() && transport != "unix" && transport != "ssh" && transport != "libssh" &&
        transport != "libssh2" && transport != "tls" && transport != "tcp")
        return false;
    // The rest goes to libvirt as it is: printable ASCII only, no spaces or
    // quotes, so the URI reads the same in the map, a message and a report.
    const std::string_view rest = s.substr(sep + 3);
    for (char c : rest)
        if (c <= ' ' || c > '~' || c == '"' || c == '\\' || c == '\'') return false;
    // No query parameter named command (the ssh transport's client program).
    const std::size_t query = rest.find('?');
    if (query != std::string_view::npos) {
        std::string_view params = rest.substr(query + 1);
        while (!params.empty()) {
            const std::size_t amp = params.find('&');
            const std::string_view param = params.substr(0, amp);
            const std::string_view name = param.substr(0, param.find('='));
            if (name == "command") return false;
            if (amp == std::string_view::npos) break;
            params.remove_prefix(amp + 1);
        }
    }
    return true;
}

std::string ascii_lower(std::string_view s) {
    std::string out(s);
    for (char& c : out)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return out;
}

bool is_firewall_backend(std::string_view s) { return s == "nft" || s == "iptables"; }

bool is_embedded_libvirt_uri(std::string_view s) {
    const std::size_t sep = s.find("://");
    if (sep == std::string_view::npos) return false;
    const std::string_view rest = s.substr(sep + 3);
    const std::size_t slash = rest.find('/');
    if (slash == std::string_view::npos) return false;
    const std::string_view path = rest.substr(slash, rest.find('?', slash) - slash);
    return path == "/embed" || path == "/embed/";
}

bool is_valid_utf8_text(std::string_view s) {
    std::size_t i = 0;
    while (i < s.size()) {
        auto c = static_cast<unsigned char>(s[i]);
        if (c < 0x80) {
            if (c < 0x20 || c == 0x7f) return false;
            ++i;
            continue;
        }
        int extra;
        unsigned long cp;
        if (c >= 0xc2 && c <= 0xdf) { extra = 1; cp = c & 0x1fu; }
        else if (c >= 0xe0 && c <= 0xef) { extra = 2; cp = c & 0x0fu; }
        else if (c >= 0xf0 && c <= 0xf4) { extra = 3; cp = c & 0x07u; }
        else return false;
        if (i + static_cast<std::size_t>(extra) >= s.size()) return false;
        for (int k = 1; k <= extra; ++k) {
            auto cc = static_cast<unsigned char>(s[i + static_cast<std::size_t>(k)]);
            if ((cc & 0xc0u) != 0x80u) return false;
            cp = (cp << 6) | (cc & 0x3fu);
        }
        // Overlong forms, surrogates and values past U+10FFFF are not UTF-8.
        if ((extra == 2 && cp < 0x800) || (extra == 3 && cp < 0x10000) || cp > 0x10ffff ||
            (cp >= 0xd800 && cp <= 0xdfff))
            return false;
        // C1 control characters.
        if (cp >= 0x80 && cp < 0xa0) return false;
        i += static_cast<std::size_t>(extra) + 1;
    }
    return true;
}

std::optional<HostKind> classify_host(std::string_view s) {
    if (s.empty() || s.size() > 253) return std::nullopt;
    if (s.find(':') != std::string_view::npos) {
        // No zone ids (fe80::1%eth0): the interface would be the caller's choice.
        const auto a = parse_address(s);
        if (!a || a->family != Family::ipv6) return std::nullopt;
        // IPv4-mapped (::ffff:a.b.c.d) would be a second spelling of an IPv4
        // host: refused, write the IPv4 address.
        if (is_ipv4_mapped(*a)) return std::nullopt;
        return HostKind::ipv6;
    }
    bool dotted_digits = true;
    for (char c : s)
        if (!is_digit(c) && c != '.') dotted_digits = false;
    if (dotted_digits) {
        // inet_pton accepts only the four-part dotted quad, but it allows
        // leading zeros ("010.1.1.1"); refuse them, other tools read them as octal.
        const auto a = parse_address(s);
        if (!a || a->family != Family::ipv4) return std::nullopt;
        std::size_t start = 0;
        while (start < s.size()) {
            std::size_t dot = s.find('.', start);
            if (dot == std::string_view::npos) dot = s.size();
            if (dot - start > 1 && s[start] == '0') return std::nullopt;
            start = dot + 1;
        }
        return HostKind::ipv4;
    }
    if (is_dns_name(s)) return HostKind::dns_name;
    return std::nullopt;
}

std::optional<unsigned long> parse_decimal(std::string_view s, unsigned long max) {
    if (s.empty() || s.size() > 10) return std::nullopt;
    if (s.size() > 1 && s.front() == '0') return std::nullopt;
    unsigned long v = 0;
    for (char c : s) {
        if (!is_digit(c)) return std::nullopt;
        v = v * 10 + static_cast<unsigned long>(c - '0');
    }
    if (v > max) return std::nullopt;
    return v;
}

}  // namespace spice_connect
