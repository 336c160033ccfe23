#include "policy/map_digest.hpp"

#include "policy/sha256.hpp"

namespace spice_connect {
namespace {

// "LENGTH:BYTES," (a netstring): where a piece ends is never a guess.
void append_piece(std::string& out, std::string_view piece) {
    out += std::to_string(piece.size());
    out += ':';
    out += piece;
    out += ',';
}

std::string_view base_name(std::string_view path) {
    const std::size_t slash = path.rfind('/');
    return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

}  // namespace

std::string map_digest(const std::vector<MapText>& parts) {
    if (parts.size() == 1) return sha256_hex(parts.front().text);
    std::string framed = "spice-connect map with drop-ins\n";
    for (std::size_t i = 0; i < parts.size(); ++i) {
        // The main map's name is where it was read from (a copy, --map): not part of its version.
        if (i > 0) append_piece(framed, base_name(parts[i].file));
        append_piece(framed, parts[i].text);
    }
    return sha256_hex(framed);
}

}  // namespace spice_connect
