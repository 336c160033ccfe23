// The trust rules on observed files: one table of cases per file, the
// defects each must have. The launcher, check and the audit all ask these
// functions (tests/integration/trust_verdicts_test.sh shows they agree on
// real files); here the rules themselves.
#include <sys/stat.h>

#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "policy/trust_rules.hpp"

using namespace spice_connect;

namespace {

constexpr gid_t spicegrp = 4900;

Observation seen(mode_t mode, uid_t uid, gid_t gid, mode_t type = S_IFREG) {
    struct stat st {};
    st.st_mode = type | mode;
    st.st_uid = uid;
    st.st_gid = gid;
    Observation o;
    o.walk.outcome = WalkOutcome::found;
    o.walk.path = "/x";
    o.walk.st = FileStatus(st);
    return o;
}

std::string names(const std::vector<FileDefect>& found) {
    static const char* const text[] = {"missing", "symlink", "not_directory", "bad_path", "uninspectable", "not_regular",
                                       "unsafe_parent", "owner", "group", "group_is_root", "writable", "unreadable",
                                       "setuid", "setgid", "mode", "acl", "capabilities"};
    std::string out;
    for (const FileDefect& d : found) out += (out.empty() ? "" : " ") + std::string(text[static_cast<int>(d.defect)]);
    return out;
}

std::string judge(TrustedFile what, const Observation& o) { return names(defects(what, o, spicegrp)); }

// A named user's ACL entry and the mask, as setfacl leaves them.
Observation with_acl(Observation o, std::uint16_t user_perm, std::uint16_t mask) {
    o.has_acl = true;
    o.acl = std::vector<AclEntry>{{acl_user_obj, 7, 0}, {acl_user, user_perm, 1021}, {acl_group_obj, 5, 0},
                                  {acl_mask, mask, 0}, {acl_other, 5, 0}};
    return o;
}

}  // namespace

TEST_CASE("trust rules: the map", "[trust]") {
    CHECK(judge(TrustedFile::map, seen(0640, 0, spicegrp)) == "");
    CHECK(judge(TrustedFile::map, seen(0644, 0, 0)) == "");
    CHECK(judge(TrustedFile::map, seen(0600, 0, 0)) == "unreadable");
    CHECK(judge(TrustedFile::map, seen(0600, 0, spicegrp)) == "unreadable");
    CHECK(judge(TrustedFile::map, seen(0640, 0, 0)) == "unreadable");
    CHECK(judge(TrustedFile::map, seen(0660, 0, spicegrp)) == "writable");
    CHECK(judge(TrustedFile::map, seen(0666, 0, spicegrp)) == "writable");
    CHECK(judge(TrustedFile::map, seen(0640, 1021, spicegrp)) == "owner");
    CHECK(judge(TrustedFile::map, seen(04640, 0, spicegrp)) == "setuid");
    CHECK(judge(TrustedFile::map, seen(02640, 0, spicegrp)) == "setgid");
    CHECK(judge(TrustedFile::map, with_acl(seen(0660, 0, spicegrp), 6, 6)) == "acl writable");
    // A named user's entry always counts: it gives more, or takes what the mode gives.
    CHECK(judge(TrustedFile::map, with_acl(seen(0640, 0, spicegrp), 4, 4)) == "acl");
    CHECK(judge(TrustedFile::map, with_acl(seen(0640, 0, spicegrp), 0, 4)) == "acl");
    // The kernel asks the group bits of a process in the file's group, never the other bits.
    CHECK(judge(TrustedFile::map, seen(0604, 0, spicegrp)) == "unreadable");
    CHECK(judge(TrustedFile::map, seen(0604, 0, 0)) == "");
    Observation caps = seen(0640, 0, spicegrp);
    caps.has_capabilities = true;
    CHECK(judge(TrustedFile::map, caps) == "capabilities");
    CHECK(judge(TrustedFile::map, seen(0640, 0, spicegrp, S_IFIFO)) == "not_regular");
    // The group is unknown: its rules are left to whoever reports the group.
    CHECK(names(defects(TrustedFile::map, seen(0600, 0, 0), std::nullopt)) == "");
}

TEST_CASE("trust rules: the viewer", "[trust]") {
    CHECK(judge(TrustedFile::viewer, seen(0750, 0, spicegrp)) == "");
    CHECK(judge(TrustedFile::viewer, seen(0755, 0, spicegrp)) == "mode");
    CHECK(judge(TrustedFile::viewer, seen(0700, 0, spicegrp)) == "mode");
    CHECK(judge(TrustedFile::viewer, seen(0770, 0, spicegrp)) == "writable mode");
    CHECK(judge(TrustedFile::viewer, seen(0750, 0, 4901)) == "group");
    CHECK(judge(TrustedFile::viewer, seen(0750, 1021, spicegrp)) == "owner");
    CHECK(judge(TrustedFile::viewer, seen(04750, 0, spicegrp)) == "setuid");
    CHECK(judge(TrustedFile::viewer, seen(02750, 0, spicegrp)) == "setgid");
    CHECK(judge(TrustedFile::viewer, with_acl(seen(0750, 0, spicegrp), 5, 5)) == "acl");
    CHECK(judge(TrustedFile::viewer, with_acl(seen(0750, 0, spicegrp), 4, 5)) == "acl");
}

TEST_CASE("trust rules: the launcher", "[trust]") {
    CHECK(judge(TrustedFile::launcher, seen(02755, 0, spicegrp)) == "");
    CHECK(judge(TrustedFile::launcher, seen(0755, 0, spicegrp)) == "mode");
    CHECK(judge(TrustedFile::launcher, seen(06755, 0, spicegrp)) == "setuid");
    CHECK(judge(TrustedFile::launcher, seen(02775, 0, spicegrp)) == "writable mode");
    CHECK(judge(TrustedFile::launcher, seen(02755, 0, 0)) == "group group_is_root");
    CHECK(judge(TrustedFile::launcher, with_acl(seen(02755, 0, spicegrp), 5, 5)) == "acl");
    CHECK(judge(TrustedFile::launcher, with_acl(seen(02775, 0, spicegrp), 6, 7)) == "acl writable mode");
    // rwx held back by the mask today; a chmod g+w tomorrow would let it write.
    CHECK(judge(TrustedFile::launcher, with_acl(seen(02755, 0, spicegrp), 7, 5)) == "acl");
}

TEST_CASE("trust rules: group entries count by their bits, the owning group's entry against the mask", "[trust]") {
    Observation o = seen(02755, 0, spicegrp);
    o.has_acl = true;
    // g:boss:r-x on the launcher: boss may run it, as everyone may.
    o.acl = std::vector<AclEntry>{{acl_user_obj, 7, 0}, {acl_group_obj, 5, 0}, {acl_group, 5, 4901}, {acl_mask, 5, 0}, {acl_other, 5, 0}};
    CHECK(judge(TrustedFile::launcher, o) == "");
    // g::r-- with m::r-x: the mode shows r-x, the group gets r--.
    Observation v = seen(0750, 0, spicegrp);
    v.has_acl = true;
    v.acl = std::vector<AclEntry>{{acl_user_obj, 7, 0}, {acl_group_obj, 4, 0}, {acl_mask, 5, 0}, {acl_other, 0, 0}};
    CHECK(judge(TrustedFile::viewer, v) == "acl");
}

TEST_CASE("trust rules: what the walk met comes first and alone", "[trust]") {
    Observation o = seen(0750, 0, spicegrp);
    o.walk.outcome = WalkOutcome::symlink;
    o.walk.stopped_at = "/usr";
    auto found = defects(TrustedFile::viewer, o, spicegrp);
    REQUIRE(names(found) == "symlink");
    CHECK(found[0].where == "/usr");
    o.walk.outcome = WalkOutcome::missing;
    CHECK(names(defects(TrustedFile::viewer, o, spicegrp)) == "missing");
    Observation parent = seen(0750, 0, spicegrp);
    parent.walk.unsafe_parents.push_back(UnsafeDir{"/usr/bin", 1021, 0, 0755});
    found = defects(TrustedFile::viewer, parent, spicegrp);
    REQUIRE(names(found) == "unsafe_parent");
    CHECK(found[0].dir.path == "/usr/bin");
}

TEST_CASE("trust rules: the map's drop-in directory", "[trust][drop-in]") {
    CHECK(judge(TrustedFile::map_directory, seen(0755, 0, 0, S_IFDIR)) == "");
    CHECK(judge(TrustedFile::map_directory, seen(0750, 0, spicegrp, S_IFDIR)) == "");
    CHECK(judge(TrustedFile::map_directory, seen(02755, 0, 0, S_IFDIR)) == "");  // set-id bits of a directory hand out nothing
    CHECK(judge(TrustedFile::map_directory, seen(0775, 0, 0, S_IFDIR)) == "writable");
    CHECK(judge(TrustedFile::map_directory, seen(0757, 0, 0, S_IFDIR)) == "writable");
    CHECK(judge(TrustedFile::map_directory, seen(01777, 0, 0, S_IFDIR)) == "writable");  // sticky or not
    CHECK(judge(TrustedFile::map_directory, seen(0755, 1000, 0, S_IFDIR)) == "owner");
    CHECK(judge(TrustedFile::map_directory, seen(0700, 0, 0, S_IFDIR)) == "unreadable");
    CHECK(judge(TrustedFile::map_directory, seen(0751, 0, 0, S_IFDIR)) == "unreadable");  // searchable, not listable
    CHECK(judge(TrustedFile::map_directory, seen(0644, 0, 0, S_IFREG)) == "not_directory");
    CHECK(judge(TrustedFile::map_directory, with_acl(seen(0755, 0, 0, S_IFDIR), 7, 7)) == "acl");
    CHECK(judge(TrustedFile::map_directory, with_acl(seen(0755, 0, 0, S_IFDIR), 5, 5)) == "acl");  // a named user, as for every file

    // No directory: no drop-ins, no defect. A missing directory above it is one.
    Observation none;
    none.walk.outcome = WalkOutcome::missing;
    none.walk.path = none.walk.stopped_at = "/etc/spice-connect.map.d";
    CHECK(judge(TrustedFile::map_directory, none) == "");
    none.walk.stopped_at = "/etc";
    CHECK(judge(TrustedFile::map_directory, none) == "missing");
    Observation link = seen(0777, 0, 0, S_IFLNK);
    link.walk.outcome = WalkOutcome::symlink;
    link.walk.stopped_at = link.walk.path;
    CHECK(judge(TrustedFile::map_directory, link) == "symlink");
}
