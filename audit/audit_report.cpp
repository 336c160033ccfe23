#include "audit/audit_report.hpp"

#include <cstdio>

#include "policy/json_writer.hpp"

namespace spice_connect::audit {
namespace {

const char* severity_name(Severity s) {
    return s == Severity::error ? "error" : s == Severity::warning ? "warning" : "notice";
}

// Continuation lines of a multi-line text, indented under their label.
std::string indent(const std::string& text, const char* pad) {
    std::string out;
    for (char c : text) {
        out += c;
        if (c == '\n') out += pad;
    }
    return out;
}

}  // namespace

std::size_t AuditReport::remaining() const {
    std::size_t n = 0;
    for (const AuditFinding& f : findings) n += f.fixed || f.severity == Severity::notice ? 0 : 1;
    return n;
}

const char* AuditReport::status() const {
    if (result->config_error) return "config_error";
    return remaining() ? "findings" : "clean";
}

std::string human_text(const AuditReport& rep) {
    const AuditResult& r = *rep.result;
    std::string out;
    if (r.config_error) out += "Audit of " + rep.root + ": map " + r.map + "\n\n";
    else
        out += "Audit of " + rep.root + ": map " + r.map + ", group " + r.settings.group + ", viewer " +
               r.viewer + ", launcher " + r.launcher + "\n\n";
    bool any_change = false;
    for (const RepairOutcome& o : rep.repairs)
        for (const std::string& c : o.changes) {
            if (!any_change) out += "Changed:\n";
            any_change = true;
            out += "  " + o.path + ": " + c + "\n";
        }
    if (any_change) out += "\n";
    std::size_t errors = 0, warnings = 0, notices = 0, fixed = 0;
    for (const AuditFinding& f : rep.findings) {
        if (f.fixed) {
            ++fixed;
            continue;
        }
        (f.severity == Severity::error ? errors : f.severity == Severity::warning ? warnings : notices) += 1;
        out += std::string(f.severity == Severity::error ? "ERROR " : f.severity == Severity::warning ? "WARNING " : "NOTICE ") + f.id + ": " +
               indent(f.problem, "    ") + "\n";
        out += "  Why: " + f.why + ".\n";
        out += "  Fix: " + f.fix + "\n";
        if (f.fixable && !rep.fix) out += "  (spice-connect-admin audit --fix repairs this)\n";
        if (!f.not_fixed.empty()) out += "  Not fixed: " + f.not_fixed + "\n";
        out += "\n";
    }
    if (fixed) {
        out += "Fixed:";
        for (const AuditFinding& f : rep.findings)
            if (f.fixed) out += " " + f.id + " (" + f.path + ")" + ",";
        out.back() = '\n';
        out += "\n";
    }
    if (r.config_error) out += "audit: configuration error: the launcher refuses this map; nothing else was checked\n";
    else if (errors + warnings == 0)
        out += "audit: clean" + std::string(fixed ? " after " + std::to_string(fixed) + " fix(es)" : "") +
               (notices ? " (" + std::to_string(notices) + " notice(s))" : "") + "\n";
    else
        out += "audit: " + std::to_string(errors + warnings) + " finding(s): " + std::to_string(errors) + " error(s), " +
               std::to_string(warnings) + " warning(s)" + (fixed ? "; " + std::to_string(fixed) + " fixed" : "") + "\n";
    return out;
}

void print_human(const AuditReport& report) { std::fputs(human_text(report).c_str(), stdout); }

void print_json(const AuditReport& rep) {
    const AuditResult& r = *rep.result;
    std::string out;
    JsonWriter j(out);
    j.begin_object();
    j.key("version"), j.number(1);
    j.key("root"), j.string(rep.root);
    j.key("map"), j.string(r.map);
    j.key("viewer");
    if (r.config_error) j.null();
    else j.string(r.viewer);
    j.key("launcher"), j.string(r.launcher);
    j.key("group");
    if (r.config_error) j.null();
    else j.string(r.settings.group);
    j.key("gid");
    if (r.group.found) j.number(r.group.gid);
    else j.null();
    j.key("fix"), j.boolean(rep.fix);
    j.key("status"), j.string(rep.status());
    j.key("members"), j.begin_array();
    for (const GroupMember& m : r.group.members) {
        j.begin_object();
        j.key("user"), j.string(m.user);
        j.key("uid");
        if (m.uid >= 0) j.number(m.uid);
        else j.null();
        j.key("member"), j.boolean(m.listed);
        j.key("primary"), j.boolean(m.primary);
        j.end_object();
    }
    j.end_array();
    j.key("clients"), j.begin_array();
    for (const OtherClient& c : r.clients) {
        j.begin_object();
        j.key("path"), j.string(c.path);
        j.key("kind"), j.string(c.kind);
        j.end_object();
    }
    j.end_array();
    j.key("changes"), j.begin_array();
    for (const RepairOutcome& o : rep.repairs)
        for (const std::string& c : o.changes) {
            j.begin_object();
            j.key("subject"), j.string(o.subject);
            j.key("path"), j.string(o.path);
            j.key("change"), j.string(c);
            j.end_object();
        }
    j.end_array();
    j.key("findings"), j.begin_array();
    for (const AuditFinding& f : rep.findings) {
        j.begin_object();
        j.key("id"), j.string(f.id);
        j.key("subject"), j.string(f.subject);
        j.key("severity"), j.string(severity_name(f.severity));
        j.key("path"), j.string_or_null(f.path);
        j.key("problem"), j.string(f.problem);
        j.key("why"), j.string(f.why);
        j.key("fix"), j.string(f.fix);
        j.key("fixable"), j.boolean(f.fixable);
        j.key("fixed"), j.boolean(f.fixed);
        j.key("not_fixed"), j.string_or_null(f.not_fixed);
        j.end_object();
    }
    j.end_array();
    j.end_object();
    std::fputs(out.c_str(), stdout);
}

}  // namespace spice_connect::audit
