// Shared helpers for the unit tests: the example office map and diagnostic lookups.
#pragma once
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "policy/parser.hpp"

namespace spice_connect::test {

// The example office map of issue 2, verbatim.
inline const char* const example_map =
    "set viewer /usr/bin/remote-viewer    # absolute path of the program to exec\n"
    "set group spicegrp                   # group owning viewer and launcher\n"
    "set timezone Europe/Berlin           # zone for days=/hours= (default: the system zone)\n"
    "set ports 20001-20010                # the guarded SPICE port range(s)\n"
    "\n"
    "vm debianx  host=mysrv.example.org tls-port=20002 ca=/etc/spice-connect/ca.pem subject=\"C=DE,O=Example,CN=mysrv\"\n"
    "vm leaptest host=192.168.2.2 tls-port=20004 title=\"Web test server\"\n"
    "vm analysis host=2001:db8::2 tls-port=20006 kiosk fullscreen usbredir=no audio=no\n"
    "\n"
    "allow myself  debianx\n"
    "allow %boss   debianx  hours=18:00-23:00\n"
    "allow maggie  leaptest days=mon,tue\n"
    "allow anne    leaptest days=wed-thu\n"
    "allow #1030   analysis\n";

inline std::string all_errors(const ParseResult& r) {
    std::string out;
    for (const Diagnostic& d : r.errors) out += d.format() + "\n";
    return out;
}

inline ParseResult parse(const std::string& text, const ParseOptions& options = {}) {
    return parse_map(text, "test.map", options);
}

// Parses and expects exactly one error; returns it (file checked too).
inline Diagnostic only_error(const std::string& text, const ParseOptions& options = {}) {
    ParseResult r = parse(text, options);
    INFO("map:\n" << text << "errors:\n" << all_errors(r));
    REQUIRE_FALSE(r.ok());
    REQUIRE(r.errors.size() == 1);
    CHECK(r.errors[0].where.file == "test.map");
    return r.errors[0];
}

// A valid vm line on line 1 so grants and VM options can be tried after it.
inline const char* const one_vm = "vm a host=a.example tls-port=5900\n";

}  // namespace spice_connect::test
