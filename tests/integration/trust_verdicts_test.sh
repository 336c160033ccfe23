#!/bin/bash
# One table of installed states of the map (with its drop-ins), the viewer
# and the launcher, and
# the verdict of the three readers that judge them: the launcher itself
# (`spice-connect --list` as a user), `spice-connect-admin check` and
# `spice-connect-admin audit`. All three ask the same trust rules
# (policy/trust_rules.hpp), so on every row they must agree with each other
# and with the table: accepted or refused.
#
# Runs as root inside `unshare --mount --net --propagation private`: the
# office's users and /etc (office.sh), its VM host (office_consoles), and a
# tmpfs over /usr/bin whose entries point back at the real ones, so the
# launcher and the viewer sit where check and the audit look for them while
# the host's /usr/bin stays untouched.
#
# Usage: trust_verdicts_test.sh LAUNCHER ADMIN RECORDING_VIEWER
set -u
here=$(dirname "$(readlink -f "$0")")
. "$here/../lib/office.sh"
. "$here/../lib/assert.sh"
LAUNCHER_BIN=$(readlink -f "$1"); ADMIN_BIN=$(readlink -f "$2"); VIEWER_BIN=$(readlink -f "$3")
office_require_namespace
require_tools setfacl:acl setcap:libcap2-bin python3:python3 || finish

work=$(mktemp -d /tmp/spice-connect-trust.XXXXXX)
trap 'umount -l /usr/bin 2>/dev/null; office_teardown "$work"' EXIT
office_setup "$work"
office_consoles 20002   # the VM's host: the launcher connects before it starts the viewer

# The real /usr/bin stays reachable under $OFFICE/usr-bin; /usr/bin becomes
# a tmpfs of symlinks to it (cp and ln are taken from there once it is covered).
mkdir "$OFFICE/usr-bin"
mount --bind /usr/bin "$OFFICE/usr-bin"
mount -t tmpfs -o mode=0755 spice-usr-bin /usr/bin
"$OFFICE/usr-bin/cp" -rs "$OFFICE/usr-bin/." /usr/bin/ 2>/dev/null
check "the tmpfs over /usr/bin points at the real programs" test -x /usr/bin/env || finish
rm -f /usr/bin/spice-connect /usr/bin/remote-viewer

MAP=/etc/spice-connect.map
VIEWER=/usr/bin/remote-viewer
LAUNCHER=/usr/bin/spice-connect

install_good() {
    rm -rf "$MAP" "$VIEWER" "$LAUNCHER" "$LAUNCHER.real" /etc/real.map /usr/bin/real-viewer /usr/bin/links /usr/bin/links.tmp \
        /etc/spice-connect.real "$MAP.d" /etc/real.map.d
    office_write_map <<MAPTEXT
set viewer $VIEWER
set group spicegrp
set timezone UTC
set ports 20002
vm debianx host=192.0.2.2 tls-port=20002
allow myself debianx
allow mybro debianx
MAPTEXT
    install -o root -g spicegrp -m 0750 "$VIEWER_BIN" "$VIEWER"
    install -o root -g spicegrp -m 2755 "$LAUNCHER_BIN" "$LAUNCHER"
    chown root:root /etc /usr/bin; chmod 0755 /etc /usr/bin
}

# The verdict of each reader: "accepted" or "refused". The launcher must
# list and also start the viewer (the stand-in records and exits 0), for
# myself and for mybro: a state that works for one user only is refused.
launcher_verdict() {
    local u
    for u in myself mybro; do
        as_user $u env -i "$LAUNCHER" --list >/dev/null 2>&1 || { echo refused; return; }
        as_user $u env -i DISPLAY=:7 "$LAUNCHER" debianx >/dev/null 2>&1 || { echo refused; return; }
    done
    echo accepted
}
check_verdict() {
    if "$ADMIN_BIN" check >/dev/null 2>&1; then echo accepted; else echo refused; fi
}
# The audit's errors about the three files decide (its other findings, such
# as the firewall being off, are not about these files).
audit_verdict() {
    # Its search for set-group-ID files (seconds over a whole system) only
    # in the office: these rows are about the three files.
    "$ADMIN_BIN" audit --json --search-under "$OFFICE" 2>/dev/null | python3 -c '
import json, sys
doc = json.load(sys.stdin)
bad = [f["id"] for f in doc["findings"] if f["severity"] == "error" and f["subject"] in ("map", "map-directory", "viewer", "launcher")]
print("refused" if bad else "accepted")
' 2>/dev/null || echo "refused (no audit report)"
}

# row NAME EXPECTED SETUP...: the good install, then SETUP, then the three verdicts.
row() {
    local name=$1 expected=$2; shift 2
    install_good
    if ! "$@"; then fail "$name: the state could not be made ($*)"; return; fi
    local l c a
    l=$(launcher_verdict); c=$(check_verdict); a=$(audit_verdict)
    if [ "$l" = "$expected" ] && [ "$c" = "$expected" ] && [ "$a" = "$expected" ]; then
        pass "$name: $expected by the launcher, check and the audit"
    else
        fail "$name: $expected by the launcher, check and the audit" "$(tap_field expected "$expected $expected $expected")" \
             "$(tap_field got "launcher $l, check $c, audit $a")" \
             "launcher says: $(as_user myself env -i "$LAUNCHER" --list 2>&1 | head -2)" \
             "check says: $("$ADMIN_BIN" check 2>&1 | grep -m3 'error')"
    fi
}

mode_of() { chmod "$2" "$1"; }
owner_of() { chown "$2" "$1"; }
# chown clears set-id bits: the mode is given again after it.
owner_keep_mode() { local m; m=$(stat -c %a "$1"); chown "$2" "$1" && chmod "$m" "$1"; }
acl_of() { setfacl -m "$2" "$1"; }
caps_of() { setcap cap_net_raw+ep "$1"; }
symlink_of() { mv "$1" "$2" && ln -s "$2" "$1"; }
user_parent() { chown myself "$(dirname "$1")"; }

note "the map"
row "map 0640 root:spicegrp"           accepted true
owner_mode() { chown "$2" "$1" && chmod "$3" "$1"; }
row "map 0644 root:root"               accepted owner_mode "$MAP" root:root 0644
row "map 0600 root:root"               refused  owner_mode "$MAP" root:root 0600
row "map 0640 root:root"               refused  owner_mode "$MAP" root:root 0640
row "map 0600 root:spicegrp"           refused  mode_of "$MAP" 0600
row "map 0660"                         refused  mode_of "$MAP" 0660
row "map 0666"                         refused  mode_of "$MAP" 0666
row "map owned by a user"              refused  owner_of "$MAP" myself
row "map of another group (0640)"      refused  owner_of "$MAP" root:boss
row "map with the setuid bit"          refused  mode_of "$MAP" 4640
row "map with the setgid bit"          refused  mode_of "$MAP" 2640
row "map with an ACL entry to write"   refused  acl_of "$MAP" u:myself:rw
# The map's access is its mode: a named entry gives someone more or takes
# from them what the mode gives (u:myself:--- would lock myself out).
row "map with an ACL entry to read"    refused  acl_of "$MAP" u:myself:r
row "map with an ACL entry to deny"    refused  acl_of "$MAP" u:myself:-
row "map whose ACL hides the group"    refused  acl_of "$MAP" g::-,m::r
row "map 0604 root:spicegrp"           refused  mode_of "$MAP" 0604
row "map 0604 root:root"               accepted owner_mode "$MAP" root:root 0604
row "map with a file capability"       refused  caps_of "$MAP"
row "map is a symlink"                 refused  symlink_of "$MAP" /etc/real.map
row "map below a user's directory"     refused  user_parent "$MAP"

note "the viewer"
row "viewer 0750 root:spicegrp"        accepted true
for m in 0600 0640 0644 0660 0666 0700 0755; do
    row "viewer $m"                    refused  mode_of "$VIEWER" $m
done
row "viewer owned by a user"           refused  owner_of "$VIEWER" myself
row "viewer of another group"          refused  owner_of "$VIEWER" root:boss
row "viewer with the setuid bit"       refused  mode_of "$VIEWER" 4750
row "viewer with the setgid bit"       refused  mode_of "$VIEWER" 2750
row "viewer with an ACL entry to run"  refused  acl_of "$VIEWER" u:myself:rx
row "viewer with an ACL entry to read" refused  acl_of "$VIEWER" u:myself:r
row "viewer whose ACL takes execute from the group" refused acl_of "$VIEWER" g::r,m::rx
row "viewer with a file capability"    refused  caps_of "$VIEWER"
row "viewer is a symlink"              refused  symlink_of "$VIEWER" /usr/bin/real-viewer
row "viewer below a user's directory"  refused  user_parent "$VIEWER"

note "the launcher"
row "launcher 2755 root:spicegrp"      accepted true
for m in 0600 0640 0644 0660 0666 0755 2775 2757; do
    row "launcher $m"                  refused  mode_of "$LAUNCHER" $m
done
row "launcher owned by a user"         refused  owner_keep_mode "$LAUNCHER" myself
row "launcher of another group"        refused  owner_keep_mode "$LAUNCHER" root:boss
row "launcher with the setuid bit"     refused  mode_of "$LAUNCHER" 6755
row "launcher with an ACL entry to write" refused acl_of "$LAUNCHER" u:myself:rw
row "launcher with an ACL entry to run"   refused  acl_of "$LAUNCHER" u:myself:rx
row "launcher with a group ACL entry to run" accepted acl_of "$LAUNCHER" g:boss:rx
row "launcher with a file capability"  refused  caps_of "$LAUNCHER"
# exec follows a symlink, and so do all three: the file that runs is judged.
row "launcher is a symlink to a sound launcher" accepted symlink_of "$LAUNCHER" "$LAUNCHER.real"
symlink_to_bad() { symlink_of "$LAUNCHER" "$LAUNCHER.real" && chmod 0755 "$LAUNCHER.real"; }
row "launcher is a symlink to a launcher without setgid" refused symlink_to_bad
row "launcher below a user's directory" refused user_parent "$LAUNCHER"
# The link itself counts: whoever can change its directory can re-point it.
link_in_user_dir() {
    mkdir /usr/bin/links && chown myself /usr/bin/links && mv "$LAUNCHER" /etc/spice-connect.real &&
        ln -s /etc/spice-connect.real /usr/bin/links/spice-connect && ln -s links/spice-connect "$LAUNCHER"
}
row "launcher is a link to a link in a user's directory" refused link_in_user_dir
link_in_user_dir_to_root_file() { symlink_of "$LAUNCHER" /etc/spice-connect.real && chown myself /usr/bin; }
row "launcher is a symlink in a user's directory" refused link_in_user_dir_to_root_file

note "the drop-ins (MAP.d/*.map) and their directory"
DROP=$MAP.d
drop_in() {
    install -d -o root -g root -m 0755 "$DROP" && printf 'allow anne debianx\n' >"$DROP/10-a.map" &&
        chown root:spicegrp "$DROP/10-a.map" && chmod 0640 "$DROP/10-a.map"
}
with_drop_in() { drop_in && "$@"; }
row "a drop-in 0640 root:spicegrp"      accepted drop_in
row "a drop-in 0644 root:root"          accepted with_drop_in owner_mode "$DROP/10-a.map" root:root 0644
row "a drop-in 0600 root:root"          refused  with_drop_in owner_mode "$DROP/10-a.map" root:root 0600
row "a drop-in 0660"                    refused  with_drop_in mode_of "$DROP/10-a.map" 0660
row "a drop-in 0646"                    refused  with_drop_in mode_of "$DROP/10-a.map" 0646
row "a drop-in owned by a user"         refused  with_drop_in owner_of "$DROP/10-a.map" myself
row "a drop-in with the setgid bit"     refused  with_drop_in mode_of "$DROP/10-a.map" 2640
row "a drop-in with an ACL entry to write" refused with_drop_in acl_of "$DROP/10-a.map" u:myself:rw
row "a drop-in with a file capability"  refused  with_drop_in caps_of "$DROP/10-a.map"
row "a drop-in is a symlink"            refused  with_drop_in symlink_of "$DROP/10-a.map" /etc/real.map
fifo_drop_in() { drop_in && mkfifo -m 0640 "$DROP/x.map"; }
row "a FIFO named x.map"                refused  fifo_drop_in
ignored_name() { drop_in && printf 'set viewer /bin/sh\n' >"$DROP/10-a.map~" && chmod 0666 "$DROP/10-a.map~"; }
row "a name that is not a drop-in, writable by all" accepted ignored_name
row "drop-in directory 0750 root:spicegrp" accepted with_drop_in owner_mode "$DROP" root:spicegrp 0750
row "drop-in directory 0700"            refused  with_drop_in mode_of "$DROP" 0700
row "drop-in directory 0775"            refused  with_drop_in mode_of "$DROP" 0775
row "drop-in directory 1777"            refused  with_drop_in mode_of "$DROP" 1777
row "drop-in directory owned by a user" refused  with_drop_in owner_of "$DROP" myself
row "drop-in directory with an ACL entry to write" refused with_drop_in acl_of "$DROP" u:myself:rwx
row "drop-in directory is a symlink"    refused  with_drop_in symlink_of "$DROP" /etc/real.map.d
empty_open_directory() { install -d -o root -g root -m 0777 "$DROP"; }
row "an empty drop-in directory writable by all" refused empty_open_directory

finish
