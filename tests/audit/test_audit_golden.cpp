// The audit's findings on small trees, against golden text: each case builds
// a tree in a temporary directory (map, viewer, launcher, /etc/group and
// /etc/passwd, with chosen owners and modes), audits it as `audit --root DIR`
// does (run_audit) and renders the report for people (human_text). The
// temporary directory's path is replaced by $ROOT; the tree is removed
// afterwards. Regenerate the files on purpose, and read the diff, with
//   SPICE_CONNECT_UPDATE_GOLDEN=1 build/tests/audit/audit_golden_tests
// As root (./run test requires it): the trees need files owned by root and
// by the map's group. Without root the tests fail and say so.
// --fix, ACLs, capabilities, syslog and the running system stay in
// tests/audit/audit_test.sh.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <variant>

#include "audit/audit_checks.hpp"
#include "audit/audit_report.hpp"
#include "policy/file_walk.hpp"
#include "tests/unit/golden_file.hpp"

using namespace spice_connect;
using namespace spice_connect::audit;

namespace {

constexpr gid_t spicegrp = 4900;  // the map's group inside the trees
const char* const map_path = "/etc/spice-connect.map";
const char* const viewer_path = "/usr/bin/remote-viewer";
const char* const launcher_path = "/usr/bin/spice-connect";
const char* const root_placeholder = "$ROOT";

void require_root() {
    if (::geteuid() != 0)
        FAIL("the audit golden tests build trees with files owned by root and by gid "
             << spicegrp << ": run them as root (./run test does)");
}

// A temporary directory that is the root of the audited tree, removed with
// everything in it when the case ends (also when it fails).
class TempTree {
public:
    TempTree() {
        char name[] = "/tmp/spice-connect-audit-golden.XXXXXX";
        if (!::mkdtemp(name)) FAIL("mkdtemp: " << std::strerror(errno));
        dir_ = name;
        set("/", 0, 0, 0755);
    }
    ~TempTree() {
        std::error_code ignored;
        std::filesystem::remove_all(dir_, ignored);
    }
    TempTree(const TempTree&) = delete;
    TempTree& operator=(const TempTree&) = delete;

    const std::string& dir() const { return dir_; }
    std::string host(const std::string& path) const { return path == "/" ? dir_ : dir_ + path; }

    void directory(const std::string& path) {
        if (::mkdir(host(path).c_str(), 0755) != 0) FAIL("mkdir " << host(path) << ": " << std::strerror(errno));
        set(path, 0, 0, 0755);
    }
    void file(const std::string& path, const std::string& text, uid_t uid, gid_t gid, mode_t mode) {
        std::ofstream(host(path), std::ios::binary | std::ios::trunc) << text;
        set(path, uid, gid, mode);
    }
    void append(const std::string& path, const std::string& text) {
        std::ofstream(host(path), std::ios::binary | std::ios::app) << text;
    }
    // Owner first: chown clears the set-id bits that chmod then sets.
    void set(const std::string& path, uid_t uid, gid_t gid, mode_t mode) {
        if (::chown(host(path).c_str(), uid, gid) != 0) FAIL("chown " << host(path) << ": " << std::strerror(errno));
        if (::chmod(host(path).c_str(), mode) != 0) FAIL("chmod " << host(path) << ": " << std::strerror(errno));
    }

private:
    std::string dir_;
};

const char* const passwd =
    "root:x:0:0:root:/root:/bin/bash\n"
    "alice:x:1000:1000::/home/alice:/bin/bash\n"
    "carol:x:1001:1001::/home/carol:/bin/bash\n";
const char* const group =
    "root:x:0:\n"
    "spicegrp:x:4900:\n"
    "alice:x:1000:\n"
    "carol:x:1001:\n";
const char* const map =
    "set group spicegrp\n"
    "set viewer /usr/bin/remote-viewer\n"
    "vm a host=a.example.org tls-port=20002\n"
    "allow alice a\n";
const char* const program = "#!/bin/sh\nexit 0\n";

// A correct install: viewer root:spicegrp 0750, launcher root:spicegrp
// 2755, map root:spicegrp 0640, nobody in the group, no other client.
void install(TempTree& t) {
    for (const char* d : {"/etc", "/usr", "/usr/bin"}) t.directory(d);
    t.file("/etc/passwd", passwd, 0, 0, 0644);
    t.file("/etc/group", group, 0, 0, 0644);
    t.file(map_path, map, 0, spicegrp, 0640);
    t.file(viewer_path, program, 0, spicegrp, 0750);
    t.file(launcher_path, program, 0, spicegrp, 02755);
}

std::string replace_all(std::string text, const std::string& from, const std::string& to) {
    for (std::size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
        text.replace(at, from.size(), to);
    return text;
}

// `audit --root DIR` without --fix: the report for people, DIR as $ROOT.
std::string audit_text(const TempTree& t) {
    auto opened = TreeRoot::open(t.dir());
    if (!opened) FAIL(opened.failure().message);
    const AuditResult result = run_audit(*opened, AuditSetup{map_path, launcher_path});
    AuditReport report;
    report.root = t.dir();
    report.findings = result.findings;
    report.result = &result;
    return replace_all(human_text(report), t.dir(), root_placeholder);
}

// The golden case NAME: a correct install, then `breakage`, then the audit.
void check_audit(const std::string& name, const std::function<void(TempTree&)>& breakage) {
    require_root();
    TempTree t;
    install(t);
    breakage(t);
    test::check_golden(name, std::string(GOLDEN_DIR) + "/" + name + ".txt", audit_text(t));
}

}  // namespace

TEST_CASE("golden audit: a correct install is clean", "[audit][golden]") {
    check_audit("clean", [](TempTree&) {});
}

TEST_CASE("golden audit: a viewer every user may run (0755)", "[audit][golden]") {
    check_audit("viewer-0755", [](TempTree& t) { t.set(viewer_path, 0, spicegrp, 0755); });
}

TEST_CASE("golden audit: a setuid launcher", "[audit][golden]") {
    check_audit("launcher-setuid", [](TempTree& t) { t.set(launcher_path, 0, spicegrp, 06755); });
}

TEST_CASE("golden audit: a group-writable map", "[audit][golden]") {
    check_audit("map-group-writable", [](TempTree& t) { t.set(map_path, 0, spicegrp, 0660); });
}

TEST_CASE("golden audit: a map with errors", "[audit][golden]") {
    check_audit("map-errors", [](TempTree& t) { t.append(map_path, "set colour blue\nallow carol nosuchvm\n"); });
}

TEST_CASE("golden audit: users in the launcher's group", "[audit][golden]") {
    check_audit("group-members", [](TempTree& t) {
        // alice listed as a member, dave with it as his primary group.
        t.file("/etc/group", replace_all(group, "spicegrp:x:4900:", "spicegrp:x:4900:alice"), 0, 0, 0644);
        t.file("/etc/passwd", std::string(passwd) + "dave:x:1002:4900::/home/dave:/bin/bash\n", 0, 0, 0644);
    });
}

TEST_CASE("golden audit: a set-group-ID program of the group, and a set-group-ID directory of it", "[audit][golden]") {
    check_audit("setid-file", [](TempTree& t) {
        // alice's program, planted through the viewer; a shared directory.
        for (const char* d : {"/home", "/home/alice", "/srv", "/srv/shared"}) t.directory(d);
        t.set("/home/alice", 1000, 1000, 0755);
        t.file("/home/alice/sg", program, 1000, spicegrp, 02755);
        t.set("/srv/shared", 0, spicegrp, 02775);
    });
}

TEST_CASE("golden audit: the temporary tree is removed afterwards", "[audit][golden]") {
    require_root();
    std::string dir;
    {
        TempTree t;
        install(t);
        dir = t.dir();
        CHECK(std::filesystem::exists(dir + map_path));
    }
    CHECK_FALSE(std::filesystem::exists(dir));
}
