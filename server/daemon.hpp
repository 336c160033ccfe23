// spice-connect-ticketd's state and steps, for main.cpp to run in order:
// the map read again for every request, the one libvirt connection, the
// consoles' holders, and the session log.
#pragma once
#include <sys/socket.h>

#include <ctime>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "policy/map.hpp"
#include "server/consoles.hpp"
#include "server/hypervisor.hpp"
#include "server/session_log.hpp"
#include "server/ticket_decision.hpp"
#include "server/tls_server.hpp"

namespace spice_connect {

struct DaemonOptions {
    std::string map_path;
    std::string cert_path;
    std::string key_path;
    std::string sessions_path;
    LogTarget log = LogTarget::journal;
};

// The map as the daemon trusts it: a regular file (no symlink followed)
// owned by root or by the daemon's user, writable by nobody else; its
// drop-ins the same; parsed without errors.
Result<Map> read_server_map(const std::string& path);

class Daemon {
public:
    Daemon(DaemonOptions options, Map map);
    // libvirt's event loop, the connection, the wake pipe.
    Status start();
    // Every running ticket domain gets a password nobody knows.
    void lock_ticket_domains();
    // One accepted connection, answered (or refused) within a few seconds.
    void serve(int fd, const std::string& peer);
    // Each holder decided again now: one whose grant is closed loses the
    // session; one whose grant closes within `ending_soon_minutes` gets
    // one ending-soon event in the log.
    void check_windows();
    static constexpr int ending_soon_minutes = 5;
    // A probe's session (spice-connect-admin probe) longer than this is ended.
    static constexpr int probe_session_seconds = 20;
    // The domains that started since the last call get locked; false when
    // libvirt's connection closed (the daemon exits and systemd restarts it).
    bool handle_wakeups();
    int wake_fd() const { return wake_read_; }
    const SessionLog& log() const { return log_; }

private:
    void lock_domain(const std::string& domain, const Map& map);
    void record(const SessionEntry& e, const std::string& message);  // log + history; needs mutex_ held
    void write_state();  // needs mutex_ held
    void wake();
    std::string holder_text(const Map& map, const Holder& h) const;
    void end_session(const std::string& domain, const Holder& h, const std::string& why, std::time_t now);
    void warn_ending(const std::string& domain, const Holder& h, std::time_t ends, const Map& map, std::time_t now);

    DaemonOptions options_;
    Map start_map_;  // the libvirt URI is the one the daemon started with
    SessionLog log_;
    ServerView view_;
    std::unique_ptr<Hypervisor> hypervisor_;
    std::mutex mutex_;
    Consoles consoles_;
    std::vector<std::string> started_;
    bool closed_ = false;
    bool state_error_logged_ = false;
    std::set<std::pair<std::string, std::time_t>> warned_;  // sessions (domain, since) told they end soon
    int wake_read_ = -1, wake_write_ = -1;
};

}  // namespace spice_connect
