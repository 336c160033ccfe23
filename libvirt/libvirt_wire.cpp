#include "libvirt/libvirt_wire.hpp"

#include <algorithm>
#include <charconv>

namespace spice_connect::libvirt {
namespace {

constexpr std::size_t max_displays = 64;

void put(std::string& out, std::string_view s) {
    out += std::to_string(s.size());
    out += ':';
    out += s;
}
void put(std::string& out, long v) { put(out, std::to_string(v)); }

class Reader {
public:
    explicit Reader(std::string_view text) : rest_(text) {}
    std::optional<std::string_view> text() {
        const std::size_t colon = rest_.find(':');
        std::size_t size = 0;
        if (colon == std::string_view::npos || colon == 0 || colon > 9) return std::nullopt;
        auto [end, ec] = std::from_chars(rest_.data(), rest_.data() + colon, size);
        if (ec != std::errc() || end != rest_.data() + colon || size > rest_.size() - colon - 1) return std::nullopt;
        std::string_view s = rest_.substr(colon + 1, size);
        rest_.remove_prefix(colon + 1 + size);
        return s;
    }
    std::optional<long> number(long min, long max) {
        auto s = text();
        long v = 0;
        if (!s) return std::nullopt;
        auto [end, ec] = std::from_chars(s->data(), s->data() + s->size(), v);
        if (ec != std::errc() || end != s->data() + s->size() || v < min || v > max) return std::nullopt;
        return v;
    }
    bool done() const { return rest_.empty(); }

private:
    std::string_view rest_;
};

std::optional<SpiceGraphics> read_graphics(Reader& r) {
    SpiceGraphics g;
    auto port = r.number(0, 65535), tls = r.number(0, 65535), flags = r.number(0, 15), kind = r.number(0, 4);
    auto listen = r.text();
    if (!port || !tls || !flags || !kind || !listen) return std::nullopt;
    g.port = static_cast<int>(*port);
    g.tls_port = static_cast<int>(*tls);
    g.autoport = *flags & 1;
    g.plaintext_channels = *flags & 2;
    g.tls_channels = *flags & 4;
    g.secure_default = *flags & 8;
    g.listen_kind = static_cast<ListenKind>(*kind);
    g.listen = *listen;
    return g;
}

std::optional<LibvirtDomain> read_domain(Reader& r) {
    LibvirtDomain d;
    auto name = r.text();
    auto running = r.number(0, 1), next = r.number(0, 65535), count = r.number(0, max_displays);
    if (!name || !running || !next || !count) return std::nullopt;
    d.name = *name;
    d.running = *running == 1;
    d.next_tls_port = static_cast<int>(*next);
    for (long i = 0; i < *count; ++i) {
        auto g = read_graphics(r);
        if (!g) return std::nullopt;
        d.spice.push_back(std::move(*g));
    }
    return d;
}

}  // namespace

std::string encode_libvirt_result(const LibvirtResult& result) {
    std::string out;
    if (!result) {
        put(out, "failure");
        put(out, result.failure().code);
        put(out, result.failure().message);
        return out;
    }
    const auto& domains = *result;
    put(out, "domains");
    put(out, static_cast<long>(domains.size()));
    for (const LibvirtDomain& d : domains) {
        put(out, d.name);
        put(out, d.running ? 1 : 0);
        put(out, d.next_tls_port);
        // Only the first display is used; a few more are told as "several".
        const std::size_t shown = std::min<std::size_t>(d.spice.size(), max_displays);
        put(out, static_cast<long>(shown));
        for (std::size_t i = 0; i < shown; ++i) {
            const SpiceGraphics& g = d.spice[i];
            put(out, g.port);
            put(out, g.tls_port);
            put(out, (g.autoport ? 1 : 0) | (g.plaintext_channels ? 2 : 0) | (g.tls_channels ? 4 : 0) |
                         (g.secure_default ? 8 : 0));
            put(out, static_cast<long>(g.listen_kind));
            put(out, g.listen);
        }
    }
    return out;
}

std::optional<LibvirtResult> decode_libvirt_result(std::string_view text) {
    Reader r(text);
    auto kind = r.text();
    if (kind == "failure") {
        // Only a failure's codes: a damaged answer never reads as success.
        auto code = r.number(3, 4);
        auto message = r.text();
        if (!code || !message || !r.done()) return std::nullopt;
        return LibvirtResult{Failure{static_cast<ExitCode>(*code), std::string(*message)}};
    }
    if (kind != "domains") return std::nullopt;
    auto count = r.number(0, 1000000);
    if (!count) return std::nullopt;
    std::vector<LibvirtDomain> domains;
    for (long i = 0; i < *count; ++i) {
        auto d = read_domain(r);
        if (!d) return std::nullopt;
        domains.push_back(std::move(*d));
    }
    if (!r.done()) return std::nullopt;
    return LibvirtResult{std::move(domains)};
}

}  // namespace spice_connect::libvirt
