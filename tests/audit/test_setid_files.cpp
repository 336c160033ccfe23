// The search for set-group-ID files of the launcher's group and the repair
// --fix makes to them, on real files in a temporary directory (as root:
// the files belong to a user and to the group), and the mountinfo reader.
// The command's behaviour on the running system's mounts is in
// tests/audit/audit_test.sh.
#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>

#include "audit/audit_checks.hpp"
#include "audit/mounts.hpp"
#include "audit/setid_files.hpp"
#include "policy/file_walk.hpp"

using namespace spice_connect;
using namespace spice_connect::audit;

namespace {

constexpr gid_t spicegrp = 4900;
constexpr uid_t alice = 1000;

// A temporary directory holding files of alice and the group, removed at the end.
class Scratch {
public:
    Scratch() {
        if (::geteuid() != 0) FAIL("these tests make files owned by uid 1000 and gid 4900: run them as root");
        char name[] = "/tmp/spice-connect-setid.XXXXXX";
        if (!::mkdtemp(name)) FAIL("mkdtemp: " << std::strerror(errno));
        dir_ = name;
        ::chmod(dir_.c_str(), 0755);
    }
    ~Scratch() {
        std::error_code ignored;
        std::filesystem::remove_all(dir_, ignored);
    }
    Scratch(const Scratch&) = delete;
    Scratch& operator=(const Scratch&) = delete;
    std::string host(const std::string& path) const { return dir_ + path; }
    // Owner first: chown clears the set-id bits that chmod then sets.
    void file(const std::string& path, uid_t uid, gid_t gid, mode_t mode) const {
        std::ofstream(host(path)) << "#!/bin/sh\n";
        if (::chown(host(path).c_str(), uid, gid) != 0 || ::chmod(host(path).c_str(), mode) != 0)
            FAIL("chown/chmod " << host(path) << ": " << std::strerror(errno));
    }
    struct stat status(const std::string& path) const {
        struct stat st {};
        if (::lstat(host(path).c_str(), &st) != 0) FAIL("lstat " << host(path) << ": " << std::strerror(errno));
        return st;
    }
    TreeRoot tree() const {
        auto opened = TreeRoot::open(dir_);
        if (!opened) FAIL(opened.failure().message);
        return std::move(*opened);
    }

private:
    std::string dir_;
};

Repair setid_repair(const std::string& path, const struct stat& st) {
    Repair r;
    r.subject = "setid";
    r.path = path;
    r.group = spicegrp;
    r.clear_bits = S_ISUID | S_ISGID;
    r.dev = st.st_dev;
    r.ino = st.st_ino;
    return r;
}

std::vector<RepairOutcome> repair(const TreeRoot& tree, const Repair& r) {
    return apply_repairs(tree, {r}, [](const std::string&) {});
}

}  // namespace

TEST_CASE("setid search: a planted program of the group, not one of another group, a symlink or a left-out file",
          "[audit][setid]") {
    Scratch s;
    s.file("/planted", alice, spicegrp, 02755);
    s.file("/own-group", alice, alice, 02755);
    s.file("/launcher", 0, spicegrp, 02755);
    REQUIRE(::symlink("planted", s.host("/link").c_str()) == 0);
    REQUIRE(::mkdir(s.host("/shared").c_str(), 0) == 0);
    REQUIRE(::chown(s.host("/shared").c_str(), 0, spicegrp) == 0);
    REQUIRE(::chmod(s.host("/shared").c_str(), 02775) == 0);
    const TreeRoot tree = s.tree();
    const SetidScan scan = find_group_setid(tree, spicegrp, {FileStatus(s.status("/launcher"))});
    REQUIRE(scan.files.size() == 1);
    CHECK(scan.files[0].path == "/planted");
    CHECK(scan.files[0].uid == alice);
    CHECK(scan.files[0].perm == 02755);
    REQUIRE(scan.directories.size() == 1);
    CHECK(scan.directories[0].path == "/shared");
    CHECK(scan.unread.empty());
}

TEST_CASE("setid repair: clears both set-id bits of the file found", "[audit][setid]") {
    Scratch s;
    s.file("/planted", alice, spicegrp, 06755);
    const TreeRoot tree = s.tree();
    const auto out = repair(tree, setid_repair("/planted", s.status("/planted")));
    REQUIRE(out.size() == 1);
    CHECK(out[0].failure.empty());
    CHECK(out[0].changes == std::vector<std::string>{"mode 6755 -> 0755"});
    CHECK((s.status("/planted").st_mode & 07777) == 0755);
}

TEST_CASE("setid repair: another file renamed onto the path is left alone", "[audit][setid]") {
    Scratch s;
    s.file("/planted", alice, spicegrp, 02755);
    s.file("/other", alice, spicegrp, 02755);
    const Repair r = setid_repair("/planted", s.status("/planted"));
    REQUIRE(std::rename(s.host("/other").c_str(), s.host("/planted").c_str()) == 0);
    const auto out = repair(s.tree(), r);
    REQUIRE(out.size() == 1);
    CHECK_THAT(out[0].failure, Catch::Contains("another file than the one the audit found"));
    CHECK(out[0].changes.empty());
    CHECK((s.status("/planted").st_mode & 07777) == 02755);
}

TEST_CASE("setid repair: a symbolic link put in the file's place is not followed", "[audit][setid]") {
    Scratch s;
    s.file("/planted", alice, spicegrp, 02755);
    s.file("/target", alice, spicegrp, 02755);
    const Repair r = setid_repair("/planted", s.status("/target"));  // even with the target's identity
    REQUIRE(::unlink(s.host("/planted").c_str()) == 0);
    REQUIRE(::symlink("target", s.host("/planted").c_str()) == 0);
    const auto out = repair(s.tree(), r);
    REQUIRE(out.size() == 1);
    CHECK_THAT(out[0].failure, Catch::Contains("no longer leads to a regular file"));
    CHECK((s.status("/target").st_mode & 07777) == 02755);
}

TEST_CASE("mountinfo: optional fields, escaped mount points, the mount's own options", "[audit][mounts]") {
    const auto mounts = parse_mountinfo(
        "26 1 254:0 / / rw,relatime shared:1 - ext4 /dev/vda rw\n"
        "40 26 0:35 / /mnt/with\\040space rw,nosuid,nodev - tmpfs tmpfs rw,size=4k\n"
        "41 26 0:36 / /net rw - nfs4 srv:/x rw\n"
        "garbage\n");
    REQUIRE(mounts.size() == 3);
    CHECK(mounts[0].id == 26);
    CHECK(mounts[0].mount_point == "/");
    CHECK(mounts[0].type == "ext4");
    CHECK(mounts[1].mount_point == "/mnt/with space");
    CHECK(mounts[1].options == "rw,nosuid,nodev");
    CHECK(mounts[2].type == "nfs4");
}

TEST_CASE("mount types: local ones walked, kernel, network and FUSE ones not", "[audit][mounts]") {
    for (const char* t : {"ext4", "xfs", "btrfs", "f2fs", "tmpfs", "overlay"}) CHECK(walked_type(t));
    for (const char* t : {"proc", "sysfs", "cgroup2", "nfs", "nfs4", "cifs", "fuse.sshfs", "fuseblk", "unknownfs"})
        CHECK_FALSE(walked_type(t));
}
