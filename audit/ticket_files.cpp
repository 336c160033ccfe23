#include "audit/ticket_files.hpp"

#include <sys/stat.h>

#include <cstring>
#include <optional>
#include <string>

#include "audit/group_members.hpp"
#include "policy/build_config.hpp"
#include "policy/text.hpp"
#include "policy/trust_rules.hpp"

namespace spice_connect::audit {
namespace {

// The system users of the two units (packaging/sysusers).
constexpr const char* agent_user = "spice-connect-agent";
constexpr const char* ticketd_group = "spice-connect-ticketd";
constexpr const char* agent_unit = "spice-connect-agent.socket";
constexpr const char* ticketd_unit = "spice-connect-ticketd.socket";
constexpr const char* enabled_sockets = "/etc/systemd/system/sockets.target.wants/";

std::string directory_of(const std::string& path) { return path.substr(0, path.rfind('/')); }

// Something is at `path` (a symlink too: an enabled unit is one).
bool present(const TreeRoot& root, const std::string& path) {
    const WalkedFile w = walk(root, path);
    return w.outcome == WalkOutcome::found || (w.outcome == WalkOutcome::symlink && w.stopped_at == path);
}

// One part's two files and what the administrator is told about them.
struct Part {
    const char* id;       // "agent", "ticketd"
    const char* name;     // "the ticket agent's", "the ticket daemon's"
    const char* service;  // the unit that fails without them
    const char* fails;    // what users see then
    const char* page;     // where making the files is told
    const char* key_owner;  // chown's argument for a good key
    const char* key_mode;   // its mode
    std::string holder_words;  // who may read the key
    KeyHolder holder;
};

struct Writer {
    const TreeRoot& root;
    const Part& part;
    std::vector<AuditFinding>& out;

    std::string host(const std::string& path) const { return root.host_path(path); }
    std::string key_fix(const std::string& key) const {
        const std::string q = shell_quote(host(key));
        return "chown " + std::string(part.key_owner) + " " + q + " && chmod " + part.key_mode + " " + q;
    }

    void add(const std::string& id, Severity sev, const std::string& path, std::string problem, std::string why, std::string fix) {
        out.push_back(AuditFinding{std::string(part.id) + "-" + id, "tickets", sev, path, std::move(problem), std::move(why),
                                   std::move(fix), false, false, ""});
    }

    // `key_path`: the key of this part, which every fix names.
    void judge(TicketFile file, const std::string& path, const std::string& key_path) {
        const bool key = file == TicketFile::agent_key || file == TicketFile::ticketd_key;
        const std::string id = key ? "key" : "cert";
        const std::string it = std::string(part.name) + (key ? " key " : " certificate ") + host(path);
        const Observation seen = observe(root, path);
        const FileStatus& st = seen.walk.st;
        const std::string p = host(path), q = shell_quote(p);
        const std::string how = "owner " + user_name(root, st.uid()) + ", gid " + std::to_string(st.gid()) + ", mode " + mode_text(st.perm());
        // A certificate is public: what is wrong with it breaks the unit, no secret leaks.
        const Severity soft = key ? Severity::error : Severity::warning;
        for (const FileDefect& d : ticket_file_defects(file, seen, part.holder)) {
            switch (d.defect) {
            case Defect::missing:
                add(id + "-missing", Severity::error, p,
                    it + " does not exist" + (d.where != path ? " (" + host(d.where) + " is missing)" : ""),
                    std::string(part.service) + " cannot work without it: " + part.fails,
                    "make a key and a certificate signed by the map's ticket-ca (" + std::string(part.page) + "), then " +
                        key_fix(key_path));
                break;
            case Defect::symlink:
                add(id + "-symlink", Severity::error, host(d.where),
                    d.where == path ? it + " is a symbolic link" : host(d.where) + ", on the way to " + it + ", is a symbolic link",
                    "a symbolic link can be re-pointed, and the audit does not follow one", "put the file itself at " + p);
                break;
            case Defect::unsafe_parent:
                add(id + "-parent", Severity::error, host(d.dir.path),
                    "directory " + host(d.dir.path) + ", on the way to " + it + ", can be changed by a user other than root (owner " +
                        user_name(root, d.dir.uid) + ", mode " + mode_text(d.dir.perm) + ")",
                    "whoever can write it can put another key or certificate in its place",
                    "chown root:root " + shell_quote(host(d.dir.path)) + " && chmod go-w " + shell_quote(host(d.dir.path)));
                break;
            case Defect::not_regular:
            case Defect::not_directory:
            case Defect::bad_path:
                add(id + "-not-regular", Severity::error, p, it + " is not a regular file",
                    std::string(part.service) + " cannot use it: " + part.fails, "put the file itself at " + p);
                break;
            case Defect::owner:
                if (key)
                    add("key-owner", Severity::error, p, it + " belongs to " + user_name(root, st.uid()) + ", not " +
                        (file == TicketFile::agent_key ? agent_user : "root"),
                        file == TicketFile::agent_key ? "the agent runs as " + std::string(agent_user) + " and refuses a key of another user: " + part.fails
                                                      : std::string("its owner can read and replace the daemon's key"),
                        key_fix(key_path));
                else
                    add("cert-owner", Severity::warning, p, it + " belongs to " + user_name(root, st.uid()) + ", not root",
                        "its owner can replace it, and " + std::string(part.service) + " then fails", "chown root:root " + q);
                break;
            case Defect::readable:
                add("key-readable", Severity::error, p, it + " may be read or written by others than " + part.holder_words + " (" + how + ")",
                    file == TicketFile::agent_key
                        ? "whoever reads it can ask every VM server for tickets as this client (code in every viewer can, when the "
                          "launcher's group may read it); the agent refuses it: " + std::string(part.fails)
                        : std::string("whoever reads it can pose as this VM server's ticket daemon to every client"),
                    key_fix(key_path));
                break;
            case Defect::writable:
                add("cert-writable", Severity::warning, p, it + " is writable by its group or by others (" + how + ")",
                    "whoever can write it can replace it, and " + std::string(part.service) + " then fails", "chmod go-w " + q);
                break;
            case Defect::acl:
                add(id + "-acl", soft, p, it + " has ACL entries beyond its mode: " + d.acl_grants,
                    key ? "the users and groups they name can read the key" : "the users and groups they name can replace it",
                    "setfacl -b " + q);
                break;
            default:
                add(id + "-unreadable", Severity::error, p, "cannot inspect " + it + ": " + std::strerror(d.error),
                    "the audit cannot tell whether it is safe", "run the audit as root");
                break;
            }
        }
    }
};

bool uses_tickets(const Map& map) {
    for (const Vm& vm : map.vms)
        if (uses_ticket(map.settings, vm)) return true;
    return false;
}

void server_files(const TreeRoot& root, std::vector<AuditFinding>& out) {
    const GroupLookup group = look_up_group(root, ticketd_group);
    Part part{"ticketd", "the ticket daemon's", "spice-connect-ticketd.service",
              "no client gets a ticket from this server",
              "spice-connect-ticketd(8)", "root:spice-connect-ticketd", "0640", "root and the group spice-connect-ticketd",
              KeyHolder{0, group.found ? std::optional(group.gid) : std::nullopt}};
    if (!group.found)
        out.push_back(AuditFinding{"ticketd-group-missing", "tickets", Severity::error, "",
                                   "the group " + std::string(ticketd_group) + " does not exist (" + group.source + ")",
                                   "spice-connect-ticketd.service runs as that user and group and cannot start: " + std::string(part.fails),
                                   "systemd-sysusers (packaging: sysusers.d/spice-connect-ticketd.conf)", false, false, ""});
    Writer w{root, part, out};
    w.judge(TicketFile::ticketd_certificate, build::ticketd_cert_path, build::ticketd_key_path);
    w.judge(TicketFile::ticketd_key, build::ticketd_key_path, build::ticketd_key_path);
}

void client_files(const TreeRoot& root, std::vector<AuditFinding>& out) {
    const std::optional<uid_t> uid = user_id(root, agent_user);
    if (!uid) {
        out.push_back(AuditFinding{"agent-user-missing", "tickets", Severity::error, "",
                                   "the user " + std::string(agent_user) + " does not exist",
                                   "spice-connect-agent.service runs as that user and cannot start: users cannot open the "
                                   "console of a ticket VM on this machine",
                                   "systemd-sysusers (packaging: sysusers.d/spice-connect-agent.conf)", false, false, ""});
        return;  // whose key it must be is unknown
    }
    Part part{"agent", "the ticket agent's", "spice-connect-agent.service",
              "users cannot open the console of a ticket VM on this machine",
              "spice-connect-agent(8)", "spice-connect-agent:", "0600", "the user spice-connect-agent", KeyHolder{*uid, std::nullopt}};
    Writer w{root, part, out};
    w.judge(TicketFile::agent_certificate, build::agent_cert_path, build::agent_key_path);
    w.judge(TicketFile::agent_key, build::agent_key_path, build::agent_key_path);
}

}  // namespace

std::vector<AuditFinding> ticket_file_findings(const TreeRoot& root, const Map& map) {
    std::vector<AuditFinding> out;
    const std::string sockets = enabled_sockets;
    const bool server = !map.settings.managed_clients.empty() &&
                        (present(root, directory_of(build::ticketd_key_path)) || present(root, sockets + ticketd_unit));
    const bool agent_here = present(root, directory_of(build::agent_key_path)) || present(root, sockets + agent_unit);
    if (server) server_files(root, out);
    if (uses_tickets(map) && (agent_here || !server)) client_files(root, out);
    return out;
}

}  // namespace spice_connect::audit
