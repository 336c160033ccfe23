// spice-connect-admin status: one screen on what this client enforces (the
// map's version, the firewall, the timer's last audit, the installed files),
// as text, as JSON, and as node_exporter textfile metrics for Prometheus.
// It reads and compares; it changes nothing but the metrics file.
#include <algorithm>
#include <cstdio>
#include <ctime>
#include <optional>
#include <string>
#include <vector>

#include "admin/commands.hpp"
#include "admin/findings.hpp"
#include "admin/installed_files.hpp"
#include "audit/last_audit.hpp"
#include "firewall/firewall_state.hpp"
#include "policy/build_config.hpp"
#include "policy/client_scope.hpp"
#include "policy/exit_codes.hpp"
#include "policy/firewall_stamp.hpp"
#include "policy/json_writer.hpp"
#include "policy/map_source.hpp"
#include "policy/parser.hpp"
#include "policy/replaced_file.hpp"

namespace spice_connect::admin {

const char* const status_usage =
    "Usage: spice-connect-admin status [--json] [--prometheus FILE] [--map FILE]\n"
    "\n"
    "What this client enforces, on one screen: the package version; the map's\n"
    "label and SHA-256, its drop-ins, VMs and grants (or its errors); the client\n"
    "firewall (the backend, when it was applied, and whether the loaded rules are\n"
    "those of the map now, compared as firewall verify compares them); the audit\n"
    "timer's last run (when, clean or how many findings); and the viewer,\n"
    "launcher, map and drop-ins as the launcher judges them. Run it as root\n"
    "(reading the loaded rules needs it).\n"
    "\n"
    "  --json             one JSON object instead of the text\n"
    "  --prometheus FILE  also write node_exporter textfile-collector metrics to\n"
    "                     FILE (a new file renamed over it; name it *.prom)\n"
    "  --map FILE         the map (default: the installed map)\n"
    "\n"
    "Exit status: 0 nothing needs attention, 1 something does (map errors, rules\n"
    "not those of the map, rules missing under require-firewall, findings of the\n"
    "last audit, installed files the launcher would refuse), 2 usage, 4 system\n"
    "error (also: the metrics file cannot be written).\n";

namespace {

struct Status {
    // The map.
    std::string map_path;
    std::string map_problem;  // cannot be read: why
    std::size_t map_errors = 0;
    std::string map_sha256, label;
    std::vector<std::string> drop_ins;  // names, in the order read
    std::size_t vms = 0, grants = 0;
    std::size_t grants_here = 0;  // of them, those that hold on this client (clients=)
    std::string client;           // this client's host name, as clients= is matched
    bool require_firewall = false;
    // The firewall.
    bool stamped = false;
    std::string backend;
    std::string applied;        // as the stamp says, UTC
    std::time_t applied_at = 0;
    bool loaded = false;
    bool in_sync = false;
    std::vector<std::string> drift;  // what verify would print, in short
    // The timer's last audit.
    std::optional<audit::LastAudit> audit;
    // The installed files.
    std::size_t file_errors = 0, file_warnings = 0;

    bool attention() const {
        return !map_problem.empty() || map_errors > 0 || (stamped && !in_sync) || (require_firewall && !stamped) ||
               (audit && audit->status != "clean") || file_errors > 0;
    }
};

std::optional<std::string> stamp_line(const std::string& stamp, const std::string& key) {
    const std::size_t at = stamp.find("\n" + key + " ");
    if (at == std::string::npos) return std::nullopt;
    const std::size_t start = at + key.size() + 2;
    return stamp.substr(start, stamp.find('\n', start) - start);
}

std::time_t utc_seconds(const std::string& iso) {
    std::tm tm{};
    const char* end = ::strptime(iso.c_str(), "%Y-%m-%dT%H:%M:%SZ", &tm);
    return end && *end == '\0' ? ::timegm(&tm) : 0;
}

// The stamp whatever the map; the loaded rules compared with a valid map's
// only (`map` null: the map cannot be used, nothing to compare with).
void look_at_firewall(Status& st, const std::string& map_digest, const Map* map) {
    auto stamp = read_map_source(build::firewall_stamp_path, false);
    if (!stamp) return;
    st.stamped = true;
    st.backend = stamped_backend(stamp->text).value_or("");
    st.applied = stamp_line(stamp->text, "applied").value_or("");
    st.applied_at = utc_seconds(st.applied);
    if (!map) {
        st.drift.push_back("not compared: the map cannot be used");
        return;
    }
    const bool same_map = stamp_matches_map(stamp->text, map_digest, *map);
    auto backend = firewall::make_backend(st.backend.empty() ? "nft" : st.backend);
    auto plan = firewall::current_plan(*map);
    if (!plan) {
        st.drift.push_back("the rules cannot be made from the map: " + plan.failure().message);
        return;
    }
    const firewall::Drift d = firewall::compare_with_live(*backend, *plan);
    st.loaded = d.loaded;
    if (!d.unreadable.empty()) st.drift.push_back("the loaded rules cannot be read: " + d.unreadable);
    if (!d.unverifiable.empty()) st.drift.push_back("the expected rules cannot be built: " + d.unverifiable);
    if (!d.loaded) st.drift.push_back("the " + backend->name() + " rules are not loaded");
    if (!d.missing.empty()) st.drift.push_back(std::to_string(d.missing.size()) + " rule(s) or grant(s) missing");
    if (!d.unexpected.empty()) st.drift.push_back(std::to_string(d.unexpected.size()) + " rule(s) or grant(s) not in the map");
    if (d.reordered) st.drift.push_back("the rules are loaded in another order");
    if (d.other_loaded) st.drift.push_back("the other backend's rules are loaded too");
    if (!same_map) st.drift.push_back("the stamp names another map's grants");
    if (!map->settings.firewall_backend.empty() && map->settings.firewall_backend != backend->name())
        st.drift.push_back("the map asks for the " + map->settings.firewall_backend + " backend");
    st.in_sync = st.drift.empty();
}

Status look(const std::string& map_path) {
    Status st;
    st.map_path = map_path;
    const ThisClient here = this_client();
    st.client = here.host_name;
    auto sources = read_map_sources(map_path, false);
    if (auto record = read_map_source(build::last_audit_path, false)) st.audit = audit::parse_last_audit(record->text);
    if (!sources) {
        st.map_problem = sources.failure().message;
        look_at_firewall(st, "", nullptr);
        return st;
    }
    const ParseResult parsed = parse_map_parts(sources->parts(), ParseOptions{build::zoneinfo_dir});
    st.map_errors = parsed.errors.size();
    st.map_sha256 = sources->digest();
    st.drop_ins = sources->drop_in_names();
    st.label = parsed.map.settings.label;
    st.vms = parsed.map.vms.size();
    st.grants = parsed.map.grants.size();
    st.grants_here = static_cast<std::size_t>(
        std::count_if(parsed.map.grants.begin(), parsed.map.grants.end(), [&](const Grant& g) { return holds_on(g, here); }));
    st.require_firewall = parsed.map.settings.require_firewall;
    look_at_firewall(st, st.map_sha256, parsed.ok() ? &parsed.map : nullptr);
    std::vector<Finding> files = installed_file_findings(TrustedFile::map, map_path, parsed.map.settings, true);
    for (Finding& f : installed_drop_in_findings(map_path, st.drop_ins, parsed.map.settings, true)) files.push_back(std::move(f));
    if (parsed.ok()) {
        for (Finding& f : installed_file_findings(TrustedFile::viewer, parsed.map.settings.viewer, parsed.map.settings, true))
            files.push_back(std::move(f));
        for (Finding& f : installed_file_findings(TrustedFile::launcher, build::launcher_path, parsed.map.settings, true))
            files.push_back(std::move(f));
    }
    for (const Finding& f : files) (f.error ? st.file_errors : st.file_warnings) += 1;
    return st;
}

std::string utc_text(std::time_t t) {
    char when[32] = "";
    std::tm tm{};
    if (::gmtime_r(&t, &tm)) std::strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return when;
}

std::string text_of(const Status& st) {
    std::string out = std::string("spice-connect ") + build::version + " on " + (st.client.empty() ? "(no host name)" : st.client) + "\n";
    out += "map:      ";
    if (!st.map_problem.empty()) {
        out += st.map_problem + "\n";
    } else {
        out += st.map_path + ": ";
        if (!st.label.empty()) out += "label \"" + st.label + "\", ";
        out += "map-sha256 " + st.map_sha256.substr(0, 12) + "..., " + std::to_string(st.vms) + " VM(s), " +
               std::to_string(st.grants) + " grant(s)" +
               (st.grants_here != st.grants ? " (" + std::to_string(st.grants_here) + " for this client)" : "");
        if (!st.drop_ins.empty()) {
            std::string names;
            for (const std::string& n : st.drop_ins) names += (names.empty() ? "" : ", ") + n;
            out += ", with " + std::to_string(st.drop_ins.size()) + " drop-in(s): " + names;
        }
        out += st.map_errors ? "; " + std::to_string(st.map_errors) + " error(s): the launcher grants nothing (spice-connect-admin check)\n"
                             : "\n";
    }
    out += "firewall: ";
    if (!st.stamped) out += std::string("not applied") + (st.require_firewall ? "; the map says require-firewall yes, so the launcher refuses everyone" : "") + "\n";
    else {
        out += st.backend + " rules, applied " + st.applied + ", ";
        if (st.in_sync) out += "in force and those of the map\n";
        else {
            std::string drift;
            for (const std::string& d : st.drift) drift += (drift.empty() ? " " : "; ") + d;
            out += "NOT those of the map:" + drift + " (spice-connect-admin firewall verify)\n";
        }
    }
    out += "audit:    ";
    if (!st.audit) out += "the audit timer has not run yet (or left no record)\n";
    else {
        out += "last timer run " + utc_text(st.audit->finished) + ": ";
        if (st.audit->status == "clean") out += "clean";
        else if (st.audit->status == "config_error") out += "the map could not be audited";
        else out += std::to_string(st.audit->errors) + " error(s), " + std::to_string(st.audit->warnings) + " warning(s)";
        if (st.audit->notices) out += ", " + std::to_string(st.audit->notices) + " notice(s)";
        out += st.audit->status == "clean" ? "\n" : " (spice-connect-admin audit)\n";
    }
    out += "files:    ";
    if (!st.map_problem.empty()) out += "not judged without a readable map\n";
    else if (st.file_errors) out += std::to_string(st.file_errors) + " error(s): the launcher refuses (spice-connect-admin check)\n";
    else out += "viewer, launcher and map as the launcher wants them" +
                (st.file_warnings ? " (" + std::to_string(st.file_warnings) + " warning(s): spice-connect-admin check)" : std::string()) + "\n";
    return out;
}

std::string json_of(const Status& st) {
    std::string out;
    JsonWriter j(out);
    j.begin_object();
    j.key("version"), j.string(build::version);
    j.key("client"), j.string_or_null(st.client);
    j.key("attention"), j.boolean(st.attention());
    j.key("map"), j.begin_object();
    j.key("path"), j.string(st.map_path);
    j.key("problem"), j.string_or_null(st.map_problem);
    j.key("errors"), j.number(static_cast<std::int64_t>(st.map_errors));
    j.key("sha256"), j.string_or_null(st.map_sha256);
    j.key("label"), j.string_or_null(st.label);
    j.key("drop_ins"), j.begin_array();
    for (const std::string& n : st.drop_ins) j.string(n);
    j.end_array();
    j.key("vms"), j.number(static_cast<std::int64_t>(st.vms));
    j.key("grants"), j.number(static_cast<std::int64_t>(st.grants));
    j.key("grants_here"), j.number(static_cast<std::int64_t>(st.grants_here));
    j.key("require_firewall"), j.boolean(st.require_firewall);
    j.end_object();
    j.key("firewall"), j.begin_object();
    j.key("applied"), j.boolean(st.stamped);
    j.key("backend"), j.string_or_null(st.backend);
    j.key("applied_at"), j.string_or_null(st.applied);
    j.key("loaded"), j.boolean(st.loaded);
    j.key("in_sync"), j.boolean(st.in_sync);
    j.key("drift"), j.begin_array();
    for (const std::string& d : st.drift) j.string(d);
    j.end_array();
    j.end_object();
    j.key("audit");
    if (!st.audit) j.null();
    else {
        j.begin_object();
        j.key("finished"), j.string(utc_text(st.audit->finished));
        j.key("status"), j.string(st.audit->status);
        j.key("errors"), j.number(st.audit->errors);
        j.key("warnings"), j.number(st.audit->warnings);
        j.key("notices"), j.number(st.audit->notices);
        j.end_object();
    }
    j.key("files"), j.begin_object();
    j.key("errors"), j.number(static_cast<std::int64_t>(st.file_errors));
    j.key("warnings"), j.number(static_cast<std::int64_t>(st.file_warnings));
    j.end_object();
    j.end_object();
    return out + "\n";
}

// A label value in the text exposition format: backslash, quote, newline escaped.
std::string label_value(const std::string& text) {
    std::string out;
    for (char c : text) {
        if (c == '\\') out += "\\\\";
        else if (c == '"') out += "\\\"";
        else if (c == '\n') out += "\\n";
        else out += c;
    }
    return out;
}

std::string metrics_of(const Status& st) {
    std::string out;
    const auto gauge = [&](const char* name, const char* help, const std::string& labels, double value) {
        out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " gauge\n" + name + labels + " ";
        char number[32];
        std::snprintf(number, sizeof number, "%.0f", value);
        out += std::string(number) + "\n";
    };
    gauge("spice_connect_info", "The installed spice-connect and the map it reads (SHA-256 and set label).",
          "{version=\"" + label_value(build::version) + "\",map_sha256=\"" + st.map_sha256 + "\",label=\"" + label_value(st.label) + "\"}",
          1);
    gauge("spice_connect_map_valid", "1 when the map can be read and has no error (the launcher grants from it).", "",
          st.map_problem.empty() && st.map_errors == 0);
    gauge("spice_connect_map_grants", "The map's allow lines.", "", static_cast<double>(st.grants));
    gauge("spice_connect_map_grants_here", "The map's allow lines that hold on this client (clients=).", "",
          static_cast<double>(st.grants_here));
    gauge("spice_connect_firewall_applied", "1 when the client firewall's rules were applied (its stamp exists).", "", st.stamped);
    gauge("spice_connect_firewall_in_sync", "1 when the loaded rules are those of the map now (as firewall verify compares).", "",
          st.in_sync);
    if (st.applied_at)
        gauge("spice_connect_firewall_applied_timestamp_seconds", "When the rules were last applied.", "",
              static_cast<double>(st.applied_at));
    if (st.audit) {
        gauge("spice_connect_audit_last_run_timestamp_seconds", "When the audit timer last finished.", "",
              static_cast<double>(st.audit->finished));
        out += "# HELP spice_connect_audit_findings Findings the audit timer's last run left, by severity.\n"
               "# TYPE spice_connect_audit_findings gauge\n";
        out += "spice_connect_audit_findings{severity=\"error\"} " + std::to_string(st.audit->errors) + "\n";
        out += "spice_connect_audit_findings{severity=\"warning\"} " + std::to_string(st.audit->warnings) + "\n";
        out += "spice_connect_audit_findings{severity=\"notice\"} " + std::to_string(st.audit->notices) + "\n";
    }
    gauge("spice_connect_file_errors", "Problems with the viewer, launcher or map that make the launcher refuse.", "",
          static_cast<double>(st.file_errors));
    gauge("spice_connect_attention", "1 when status exits 1: something above needs the administrator.", "", st.attention());
    return out;
}


}  // namespace

int status_command(const Options& options) {
    const Status st = look(options.map);
    const std::string out = options.json ? json_of(st) : text_of(st);
    std::fputs(out.c_str(), stdout);
    if (std::fflush(stdout) != 0) return fail(exit_system, "cannot write the output");
    if (!options.prometheus.empty()) {
        // node_exporter reads the file at any moment: replaced whole.
        if (std::string error = replace_file(options.prometheus, metrics_of(st), 0644); !error.empty()) return fail(exit_system, error);
    }
    return st.attention() ? exit_denied : exit_ok;
}

}  // namespace spice_connect::admin
