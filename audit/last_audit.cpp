#include "audit/last_audit.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>

#include "policy/replaced_file.hpp"

namespace spice_connect::audit {
namespace {
constexpr std::string_view header = "spice-connect last audit 1\n";

// "KEY VALUE\n" at `at`; the value, and `at` moved past the line.
std::optional<std::string_view> line_value(std::string_view text, std::size_t& at, std::string_view key) {
    if (text.substr(at, key.size()) != key || text.substr(at + key.size(), 1) != " ") return std::nullopt;
    const std::size_t start = at + key.size() + 1;
    const std::size_t nl = text.find('\n', start);
    if (nl == std::string_view::npos || nl == start) return std::nullopt;
    at = nl + 1;
    return text.substr(start, nl - start);
}

template <typename Number>
bool number(std::string_view text, Number& out) {
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), out);
    return error == std::errc() && end == text.data() + text.size() && out >= 0;
}
}  // namespace

LastAudit summarize(const AuditReport& report, std::time_t finished) {
    LastAudit last;
    last.finished = finished;
    last.status = report.status();
    for (const AuditFinding& f : report.findings) {
        if (f.fixed) continue;
        (f.severity == Severity::error ? last.errors : f.severity == Severity::warning ? last.warnings : last.notices) += 1;
    }
    return last;
}

std::string format_last_audit(const LastAudit& last) {
    return std::string(header) + "finished " + std::to_string(last.finished) + "\nstatus " + last.status + "\nerrors " +
           std::to_string(last.errors) + "\nwarnings " + std::to_string(last.warnings) + "\nnotices " + std::to_string(last.notices) +
           "\n";
}

std::optional<LastAudit> parse_last_audit(std::string_view text) {
    if (text.substr(0, header.size()) != header) return std::nullopt;
    std::size_t at = header.size();
    LastAudit last;
    const auto finished = line_value(text, at, "finished");
    const auto status = finished ? line_value(text, at, "status") : std::nullopt;
    const auto errors = status ? line_value(text, at, "errors") : std::nullopt;
    const auto warnings = errors ? line_value(text, at, "warnings") : std::nullopt;
    const auto notices = warnings ? line_value(text, at, "notices") : std::nullopt;
    if (!notices || at != text.size()) return std::nullopt;
    if (*status != "clean" && *status != "findings" && *status != "config_error") return std::nullopt;
    last.status = std::string(*status);
    if (!number(*finished, last.finished) || !number(*errors, last.errors) || !number(*warnings, last.warnings) ||
        !number(*notices, last.notices))
        return std::nullopt;
    return last;
}

std::string write_last_audit(const std::string& path, const LastAudit& last) {
    const std::string dir = path.substr(0, path.rfind('/'));
    if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) return "cannot create " + dir + ": " + std::strerror(errno);
    return replace_file(path, format_last_audit(last), 0644);
}

}  // namespace spice_connect::audit
