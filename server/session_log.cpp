#include "server/session_log.hpp"

#include <sys/uio.h>
#include <syslog.h>
#include <systemd/sd-journal.h>

#include <cstdio>
#include <ctime>
#include <vector>

#include "policy/text.hpp"

namespace spice_connect {

namespace {

void send(LogTarget target, int priority, const std::vector<std::string>& fields) {
    if (target == LogTarget::standard_error) {
        timespec now{};
        ::clock_gettime(CLOCK_REALTIME, &now);
        char stamp[32];
        std::snprintf(stamp, sizeof stamp, "%lld.%03ld", static_cast<long long>(now.tv_sec), now.tv_nsec / 1000000);
        std::string line = std::string(stamp) + " spice-connect-ticketd:";
        for (const std::string& f : fields) line += " " + f;
        std::fprintf(stderr, "%s\n", line.c_str());
        std::fflush(stderr);
        return;
    }
    std::vector<std::string> all = fields;
    all.push_back("PRIORITY=" + std::to_string(priority));
    all.push_back("SYSLOG_IDENTIFIER=spice-connect-ticketd");
    std::vector<iovec> iov;
    for (std::string& f : all) iov.push_back(iovec{f.data(), f.size()});
    sd_journal_sendv(iov.data(), static_cast<int>(iov.size()));
}

}  // namespace

void SessionLog::event(const SessionEntry& e, const std::string& message, const std::vector<std::string>& extra) const {
    std::vector<std::string> fields{"SPICE_CONNECT_EVENT=" + e.event};
    if (!e.user.empty()) fields.push_back("SPICE_CONNECT_USER=" + e.user);
    if (!e.vm.empty()) fields.push_back("SPICE_CONNECT_VM=" + e.vm);
    if (!e.client.empty()) fields.push_back("SPICE_CONNECT_CLIENT=" + e.client);
    if (!e.address.empty()) fields.push_back("SPICE_CONNECT_ADDRESS=" + e.address);
    if (e.duration >= 0) fields.push_back("SPICE_CONNECT_DURATION=" + std::to_string(e.duration));
    fields.insert(fields.end(), extra.begin(), extra.end());
    fields.push_back("MESSAGE=" + one_line(message));  // last: the rest of a stderr line
    send(target_, e.event == "refused" ? LOG_NOTICE : LOG_INFO, fields);
}

void SessionLog::note(int priority, const std::string& message) const {
    send(target_, priority, {"MESSAGE=" + one_line(message)});
}

}  // namespace spice_connect
