// The copy the editor works on, as sudoedit keeps its temporary files: in
// a directory of our own, /var/tmp/spice-connect-edit.XXXXXXXXXX (mode
// 0700, owned by the caller; $TMPDIR is ignored), never in the map's
// directory, so the editor is never given a path another user could
// redirect. /var/tmp is judged first (root's, sticky if others may write,
// with only root's directories above it) and everything in it is reached
// through descriptors. The directory and all the editor left in it (swap
// and backup files) are removed on every way out, also on SIGHUP, SIGINT,
// SIGQUIT and SIGTERM.
#pragma once
#include <string>

#include "policy/failure.hpp"
#include "policy/unique_fd.hpp"

namespace spice_connect::admin {

class PrivateDraft {
public:
    PrivateDraft() = default;
    ~PrivateDraft();
    PrivateDraft(const PrivateDraft&) = delete;
    PrivateDraft& operator=(const PrivateDraft&) = delete;

    // Makes the directory and in it the draft `name` (the map's own name,
    // so the editor shows it) holding `text`, mode 0600.
    Status create(const std::string& name, const std::string& text);

    // What the editor is given.
    const std::string& path() const { return path_; }

    // Leaves the directory and the draft in place (a draft that failed the
    // check is not thrown away): the destructor and signals no longer remove it.
    void keep();

    // The draft after the editor ran: the file now at its name, which an
    // editor such as vim may have replaced by renaming a new one over it.
    Result<std::string> read_back() const;

private:
    Status make_directory();

    UniqueFd parent_;     // /var/tmp
    std::string dir_name_;
    UniqueFd dir_;        // our directory, O_RDONLY (for getdents64 when emptying it)
    std::string name_;
    std::string path_;
    int cleanup_ = -1;
};

}  // namespace spice_connect::admin
