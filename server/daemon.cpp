#include "server/daemon.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include "policy/clock.hpp"
#include "policy/map_source.hpp"
#include "policy/parser.hpp"
#include "policy/replaced_file.hpp"
#include "policy/schedule.hpp"
#include "policy/ticket_wire.hpp"
#include "policy/build_config.hpp"

namespace spice_connect {

namespace {

// How long one client may take from connecting to reading its answer.
constexpr auto connection_deadline = std::chrono::seconds(5);

std::optional<std::string> untrusted_file(const MapSource& s) {
    if (!S_ISREG(s.st.st_mode)) return s.path + " is not a regular file";
    if (s.st.st_uid != 0 && s.st.st_uid != ::geteuid()) return s.path + " belongs to uid " + std::to_string(s.st.st_uid) + ", not root";
    if (s.st.st_mode & (S_IWGRP | S_IWOTH)) return s.path + " is writable by its group or by others";
    return std::nullopt;
}

// "anne's probe connected ...": spice-connect-admin probe's short session.
std::string probe_of(const SessionEntry& e) { return e.event.rfind("probe-", 0) == 0 ? "'s probe" : ""; }

}  // namespace

Result<Map> read_server_map(const std::string& path) {
    auto sources = read_map_sources(path, false);
    if (!sources) return sources.failure();
    if (auto why = untrusted_file(sources->main)) return Failure{exit_config, "the map " + *why};
    for (const MapSource& d : sources->drop_ins)
        if (auto why = untrusted_file(d)) return Failure{exit_config, "the map's drop-in " + *why};
    ParseResult parsed = parse_map_parts(sources->parts(), ParseOptions{build::zoneinfo_dir});
    if (!parsed.ok())
        return Failure{exit_config, path + " has " + std::to_string(parsed.errors.size()) + " error(s), the first: " +
                                        parsed.errors.front().format()};
    return std::move(parsed.map);
}

Daemon::Daemon(DaemonOptions options, Map map)
    : options_(std::move(options)), start_map_(std::move(map)), log_(options_.log), view_(system_view()) {}

Status Daemon::start() {
    int p[2];
    if (::pipe2(p, O_CLOEXEC | O_NONBLOCK) < 0) return Failure{exit_system, "cannot make a pipe", errno};
    wake_read_ = p[0];
    wake_write_ = p[1];
    if (auto f = Hypervisor::start_event_loop()) return f;
    HypervisorEvents events;
    events.started = [this](const std::string& domain) {
        std::lock_guard lock(mutex_);
        started_.push_back(domain);
        wake();
    };
    events.stopped = [this](const std::string& domain) {
        std::lock_guard lock(mutex_);
        if (auto e = consoles_.end(domain, "disconnected", std::time(nullptr)))
            record(*e, e->user + " left console " + e->vm + ": the VM stopped");
    };
    events.graphics = [this](const std::string& domain, GraphicsPhase phase, const std::string& address) {
        std::lock_guard lock(mutex_);
        const std::time_t now = std::time(nullptr);
        // "connect" comes before the password is checked: only a channel
        // that passed it ("initialize") holds the console.
        if (phase == GraphicsPhase::initialize) {
            if (auto e = consoles_.channel_up(domain, address, now))
                record(*e, (e->user.empty() ? std::string("someone without a ticket") : e->user) + probe_of(*e) + " connected to console " +
                               (e->vm.empty() ? domain : e->vm) + " from " + e->address);
        } else if (phase == GraphicsPhase::disconnect) {
            if (auto e = consoles_.channel_down(domain, address, now))
                record(*e, (e->user.empty() ? std::string("someone") : e->user) + probe_of(*e) + " disconnected from console " +
                               (e->vm.empty() ? domain : e->vm) + " after " + std::to_string(e->duration) + " s");
        }
    };
    events.closed = [this] {
        std::lock_guard lock(mutex_);
        closed_ = true;
        wake();
    };
    auto h = Hypervisor::open(start_map_.settings.libvirt_uri, std::move(events));
    if (!h) return h.failure();
    hypervisor_ = std::move(*h);
    std::lock_guard lock(mutex_);
    write_state();
    return std::nullopt;
}

void Daemon::wake() {
    const char c = 1;
    // A full pipe already wakes the loop.
    [[maybe_unused]] const ssize_t n = ::write(wake_write_, &c, 1);
}

void Daemon::record(const SessionEntry& e, const std::string& message) {
    log_.event(e, message);
    consoles_.record(e);
    write_state();
}

void Daemon::write_state() {
    const std::string why = replace_file(options_.sessions_path, format_sessions(consoles_.state(std::time(nullptr))), 0644);
    if (!why.empty() && !state_error_logged_) log_.note(LOG_WARNING, "cannot write the sessions file: " + why);
    state_error_logged_ = !why.empty();
}

void Daemon::lock_domain(const std::string& domain, const Map& map) {
    bool ticket_domain = false;
    for (const Vm& vm : map.vms)
        if (vm.domain_name() == domain && uses_ticket(map.settings, vm)) ticket_domain = true;
    if (!ticket_domain) return;
    auto secret = random_ticket();
    if (!secret) {
        log_.note(LOG_ERR, "cannot lock domain " + domain + ": " + secret.failure().message);
        return;
    }
    // Nobody learns this password: until a ticket, nobody connects. Those
    // connected keep their session (a restart of the daemon ends none).
    const std::time_t now = std::time(nullptr);
    if (auto f = hypervisor_->set_password(domain, *secret, now + ticket_valid_seconds, Connected::keep))
        log_.note(LOG_ERR, "cannot lock domain " + domain + ": " + f->message);
    else
        log_.note(LOG_INFO, "domain " + domain + " locked with a password nobody knows");
}

void Daemon::lock_ticket_domains() {
    for (const std::string& domain : hypervisor_->running_domains()) lock_domain(domain, start_map_);
}

bool Daemon::handle_wakeups() {
    char buf[64];
    while (::read(wake_read_, buf, sizeof buf) > 0) {
    }
    std::vector<std::string> started;
    {
        std::lock_guard lock(mutex_);
        if (closed_) return false;
        started.swap(started_);
    }
    if (started.empty()) return true;
    auto map = read_server_map(options_.map_path);
    for (const std::string& domain : started) lock_domain(domain, map ? *map : start_map_);
    return true;
}

std::string Daemon::holder_text(const Map& map, const Holder& h) const {
    // A fact for the launcher's sentence ("... is in use: TEXT. Try again
    // when it is free."): no advice of its own.
    if (!map.settings.show_holder || h.who.user.empty()) return "someone else has it open";
    const auto since = time_in_zone(h.who.since, map.settings.timezone);
    return h.who.user + " has it open" + (since ? " since " + since->text : std::string());
}

void Daemon::serve(int fd, const std::string& peer) {
    const Clock::time_point deadline = Clock::now() + connection_deadline;
    auto map = read_server_map(options_.map_path);
    if (!map) {
        ::close(fd);
        log_.note(LOG_ERR, "connection from " + peer + " dropped: " + map.failure().message);
        return;
    }
    auto creds = TlsCredentials::load({options_.cert_path, options_.key_path, map->settings.ticket_ca});
    if (!creds) {
        ::close(fd);
        log_.note(LOG_ERR, "connection from " + peer + " dropped: " + creds.failure().message);
        return;
    }
    auto conn = TlsConnection::handshake(fd, *creds, deadline);
    if (!conn) {
        std::lock_guard lock(mutex_);
        record(SessionEntry{std::time(nullptr), "refused", "", "", "", peer, -1},
               "no ticket for " + peer + ": " + conn.failure().message);
        return;
    }
    TlsConnection& c = **conn;
    const auto answer = [&](const TicketReply& reply) {
        if (auto f = c.write_all(format_ticket_reply(reply), deadline))
            log_.note(LOG_WARNING, "no answer reached " + c.client_name() + " (" + peer + "): " + f->message);
    };
    auto line = c.read_line(max_ticket_line, deadline);
    if (!line) {
        log_.note(LOG_NOTICE, "no request from " + c.client_name() + " (" + peer + "): " + line.failure().message);
        return answer(refused_ticket(TicketReason::error, "The request did not reach the server whole. Try again."));
    }
    auto request = parse_ticket_request(*line, true);
    if (!request) {
        log_.note(LOG_NOTICE, "a request from " + c.client_name() + " (" + peer + ") is not understood: " + request.failure().message);
        return answer(refused_ticket(TicketReason::error, "The server did not understand the request. Ask your administrator."));
    }
    const std::time_t now = std::time(nullptr);
    SessionEntry entry{now, "refused", request->vm, request->user, c.client_name(), peer, -1};
    const TicketVerdict verdict = decide_ticket(*map, *request, c.client_name(), view_, now);
    if (!verdict.granted()) {
        {
            std::lock_guard lock(mutex_);
            record(entry, std::string(request->probe ? "no probe ticket: " : "no ticket: ") + verdict.detail);
        }
        return answer(verdict.refusal);
    }
    const std::string domain = verdict.vm->domain_name();
    const std::string what = request->probe ? "probe ticket" : "ticket";
    TakeoverVerdict takeover;
    {
        std::lock_guard lock(mutex_);
        const std::optional<Holder> holder = consoles_.holder(domain);
        takeover = request->probe ? probe_takeover(holder) : takeover_for(map->settings.takeover, holder, request->user);
        if (takeover.refuse) {
            record(entry, "no " + what + ": console " + verdict.vm->name + " is held by " +
                              (holder->who.user.empty() ? std::string("someone without a ticket") : holder->who.user));
            // A probe of one's own open console is refused too: it would end it.
            const bool own = request->probe && !holder->who.user.empty() && holder->who.user == request->user;
            return answer(refused_ticket(TicketReason::held, own ? "the console is open; the probe did not connect so as "
                                                                   "not to end that session"
                                                                 : holder_text(*map, *holder)));
        }
        if (holder) {
            if (auto e = consoles_.end(domain, "ended", now))
                record(*e, e->user + "'s session on console " + e->vm + " ended: " + request->user + " takes it over");
        }
    }
    auto ticket = random_ticket();
    if (!ticket) {
        log_.note(LOG_ERR, ticket.failure().message);
        return answer(refused_ticket(TicketReason::error, "The server could not make a ticket. Ask your administrator."));
    }
    if (auto f = hypervisor_->set_password(domain, *ticket, now + ticket_valid_seconds, takeover.connected)) {
        std::lock_guard lock(mutex_);
        record(entry, "no " + what + ": " + f->message);
        if (f->unavailable)
            return answer(refused_ticket(TicketReason::unavailable, "Console " + verdict.vm->name + " is not running. Ask your administrator."));
        // With connected='fail' QEMU refuses while a client we did not see
        // is connected: the console is in use.
        if (takeover.connected == Connected::fail)
            return answer(refused_ticket(TicketReason::held, "someone else has it open"));
        return answer(refused_ticket(TicketReason::error, "The server could not open console " + verdict.vm->name + ". Ask your administrator."));
    }
    {
        std::lock_guard lock(mutex_);
        consoles_.ticket_issued(domain, verdict.vm->name, request->user, c.client_name(), now, request->probe);
        entry.event = request->probe ? "probe" : "ticket";
        record(entry, what + " for " + request->user + " on console " + verdict.vm->name + " from client " + c.client_name() +
                          " (" + peer + "), valid " + std::to_string(ticket_valid_seconds) + " s");
    }
    TicketReply reply;
    reply.granted = true;
    reply.ticket = *ticket;
    reply.valid_seconds = ticket_valid_seconds;
    answer(reply);
}

void Daemon::check_windows() {
    std::map<std::string, Holder> holders;
    {
        std::lock_guard lock(mutex_);
        holders = consoles_.holders();
    }
    // Warnings of sessions that are over are forgotten.
    std::erase_if(warned_, [&](const auto& w) {
        const auto h = holders.find(w.first);
        return h == holders.end() || h->second.who.since != w.second;
    });
    if (holders.empty()) return;
    auto map = read_server_map(options_.map_path);
    if (!map) {
        log_.note(LOG_ERR, "cannot check the sessions' windows: " + map.failure().message);
        return;
    }
    const std::time_t now = std::time(nullptr);
    for (const auto& [domain, h] : holders) {
        if (h.who.user.empty()) continue;  // not ours: nothing to measure it against
        // A probe's session is a check, not work, and the word `probe` is
        // the caller's to say: one that lasts is ended.
        if (h.probe && now - h.who.since > probe_session_seconds) {
            end_session(domain, h, "a probe's session lasts at most " + std::to_string(probe_session_seconds) + " s", now);
            continue;
        }
        const auto account = view_.account(h.who.user);
        TicketRequest still{h.who.vm, h.who.user, account ? std::optional<uid_t>(account->caller.uid) : std::nullopt};
        const TicketVerdict v = decide_ticket(*map, still, h.who.client, view_, now);
        if (!v.granted() || v.vm->domain_name() != domain) {
            end_session(domain, h, v.granted() ? "vm " + h.who.vm + " is no longer domain " + domain : v.detail, now);
            continue;
        }
        if (auto ends = grant_closes_within(*map, still, h.who.client, view_, now, ending_soon_minutes))
            warn_ending(domain, h, *ends, *map, now);
    }
}

void Daemon::end_session(const std::string& domain, const Holder& h, const std::string& why, std::time_t now) {
    auto secret = random_ticket();
    if (!secret) {
        log_.note(LOG_ERR, "cannot end " + h.who.user + "'s session on console " + h.who.vm + ": " + secret.failure().message);
        return;
    }
    {
        // Ended before the password changes, so that the channels'
        // disconnections that follow belong to no session.
        std::lock_guard lock(mutex_);
        if (auto e = consoles_.end(domain, "ended", now))
            record(*e, e->user + "'s session on console " + e->vm + " ended: " + why);
    }
    if (auto f = hypervisor_->set_password(domain, *secret, now + ticket_valid_seconds, Connected::disconnect))
        log_.note(LOG_ERR, "cannot end " + h.who.user + "'s session on console " + h.who.vm + ": " + f->message);
}

void Daemon::warn_ending(const std::string& domain, const Holder& h, std::time_t ends, const Map& map, std::time_t now) {
    if (!warned_.insert({domain, h.who.since}).second) return;  // once per session
    // The minute as the map's windows name it (its zone).
    const auto local = time_in_zone(ends, map.settings.timezone);
    const std::string minute = local ? format_minute(local->local.minute) : std::to_string(ends) + " (epoch)";
    log_.event(SessionEntry{now, "ending-soon", h.who.vm, h.who.user, h.who.client, h.who.address, -1},
               h.who.user + "'s session on console " + h.who.vm + " ends at " + minute + " (its window closes)",
               {"SPICE_CONNECT_ENDS=" + minute});
}

}  // namespace spice_connect
