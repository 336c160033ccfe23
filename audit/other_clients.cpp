#include "audit/other_clients.hpp"

#include <fcntl.h>

namespace spice_connect::audit {
namespace {

// A fixed list, not root's $PATH: the audit asks what users can run, and
// the timer's environment says nothing about that.
const char* const path_dirs[] = {"/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin",
                                 "/bin", "/usr/local/games", "/usr/games", "/snap/bin"};

// Programs that open SPICE connections: virt-viewer's two, spice-gtk's
// tools, and desktop programs with a SPICE console.
const char* const client_names[] = {"remote-viewer", "virt-viewer", "spicy",   "spicy-screenshot",
                                    "spicy-stats",   "virt-manager", "remmina", "gnome-boxes"};

const char* const flatpak_apps[] = {"org.virt_manager.virt-viewer", "org.virt_manager.virt-manager",
                                    "org.remmina.Remmina", "org.gnome.Boxes"};

bool anyone_may_run(const FileStatus& st, std::optional<gid_t> group) {
    if (!st.is_regular()) return false;
    if (st.perm() & S_IXOTH) return true;
    return (st.perm() & S_IXGRP) && st.gid() != 0 && (!group || st.gid() != *group);
}

}  // namespace

std::vector<OtherClient> find_other_clients(const TreeRoot& root, const FileStatus* viewer,
                                            std::optional<gid_t> group) {
    std::vector<OtherClient> out;
    std::vector<FileStatus> seen;
    if (viewer) seen.push_back(*viewer);
    for (const char* dir : path_dirs) {
        for (const char* name : client_names) {
            const std::string path = std::string(dir) + "/" + name;
            // Resolved inside the tree: /bin -> usr/bin finds the same files,
            // a symlink in /usr/local/bin finds its target.
            auto fd = open_in_tree(root, path, O_PATH);
            if (!fd) continue;
            FileStatus st;
            if (!st.load(fd->get())) continue;
            bool dup = false;
            for (const FileStatus& s : seen) dup = dup || s.same_file(st);
            if (dup) continue;
            seen.push_back(st);
            if (anyone_may_run(st, group)) out.push_back(OtherClient{path, "program"});
        }
    }
    for (const char* app : flatpak_apps) {
        const std::string path = std::string("/var/lib/flatpak/app/") + app;
        auto fd = open_in_tree(root, path, O_PATH | O_DIRECTORY);
        if (fd) out.push_back(OtherClient{path, "flatpak"});
    }
    return out;
}

}  // namespace spice_connect::audit
