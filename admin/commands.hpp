// The subcommands of spice-connect-admin. Each returns the process exit
// code (exit_codes.hpp) and prints its own messages.
#pragma once
#include <cstdio>
#include <functional>
#include <string>

#include "admin/arguments.hpp"
#include "policy/exit_codes.hpp"
#include "policy/failure.hpp"
#include "policy/map.hpp"

namespace spice_connect::admin {

int check_command(const Options& options);
int show_command(const Options& options);
int edit_command(const Options& options);
int install_map_command(const Options& options);
int firewall_command(const Options& options);
int audit_command(const Options& options);
int probe_command(const Options& options);
int import_command(const Options& options);
int verify_vms_command(const Options& options);
int status_command(const Options& options);
int sessions_command(const Options& options);

// Saving the installed map (edit, install-map) so that nobody is refused
// for it. `save` writes the map and says so. When rules are loaded and the
// map's rule content or backend changed, the new rules are loaded first,
// under the firewall lock, and a failure to load them leaves the map
// unsaved; otherwise the map is saved and one line says whether anything
// is to do. `code` is the exit code, the failure already printed.
struct MapSave {
    int code = exit_ok;
    bool saved = false;
};
MapSave save_with_firewall(const std::string& map_path, const std::string& map_digest, const Map& map, const std::function<Status()>& save);

extern const char* const check_usage;
extern const char* const show_usage;
extern const char* const edit_usage;
extern const char* const install_map_usage;
extern const char* const firewall_usage;
extern const char* const audit_usage;
extern const char* const probe_usage;
extern const char* const import_usage;
extern const char* const verify_vms_usage;
extern const char* const status_usage;
extern const char* const sessions_usage;

// One line on stderr, prefixed with the program's name; returns `code`.
inline int fail(int code, const std::string& message) {
    std::fflush(stdout);
    std::fprintf(stderr, "spice-connect-admin: %s\n", message.c_str());
    return code;
}

// A library's failure, told the same way; returns its exit code.
inline int fail(const Failure& f) { return fail(f.code, f.message); }

}  // namespace spice_connect::admin
