// The subcommands of spice-connect-admin. Each returns the process exit
// code (exit_codes.hpp) and prints its own messages.
#pragma once
#include <cstdio>
#include <string>

#include "admin/arguments.hpp"
#include "policy/failure.hpp"
#include "policy/map.hpp"

namespace spice_connect::admin {

int check_command(const Options& options);
int show_command(const Options& options);
int edit_command(const Options& options);
int firewall_command(const Options& options);
int audit_command(const Options& options);
int probe_command(const Options& options);
int import_command(const Options& options);
int verify_vms_command(const Options& options);

// After edit saved the installed map (text, parsed): when rules are loaded
// and the map's rule content changed, they are applied at once; otherwise
// one line says whether anything is to do. Returns an exit code.
int firewall_after_edit(const std::string& map_path, const std::string& text, const Map& map);

extern const char* const check_usage;
extern const char* const show_usage;
extern const char* const edit_usage;
extern const char* const firewall_usage;
extern const char* const audit_usage;
extern const char* const probe_usage;
extern const char* const import_usage;
extern const char* const verify_vms_usage;

// One line on stderr, prefixed with the program's name; returns `code`.
inline int fail(int code, const std::string& message) {
    std::fflush(stdout);
    std::fprintf(stderr, "spice-connect-admin: %s\n", message.c_str());
    return code;
}

// A library's failure, told the same way; returns its exit code.
inline int fail(const Failure& f) { return fail(f.code, f.message); }

}  // namespace spice_connect::admin
