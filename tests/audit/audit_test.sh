#!/bin/bash
# Tests of `spice-connect-admin audit`: every finding is produced by the
# matching bad state in a fake root tree (--root DIR) and cleared by --fix;
# --fix never follows a symlink, never touches a trusted file below a
# directory a user may write, changes nothing the second time and logs
# every change to syslog; set-group-ID files of the group are found (the
# running system's local mounts, a --root tree) and lose their bits with
# --fix; --json has exactly the documented fields; the systemd unit's
# capabilities are enough for --fix; and one run on the running system's
# paths (no --root). Usage, as root:
#   unshare --mount --propagation private bash audit_test.sh ADMIN UNIT_FILE
# Everything lives in a tmpfs in this private mount namespace (the /etc,
# /usr/bin and /mnt the last part sees are bind mounts, an overlay and a
# tmpfs that vanish with it): the host stays unchanged.
set -u
here=$(dirname "$(readlink -f "$0")")
. "$here/../lib/office.sh"
. "$here/../lib/assert.sh"
ADMIN=$(readlink -f "$1")
UNIT=$(readlink -f "$2")

# Tools: a missing one fails the run and names its package; no silent skip.
require_tools setfacl:acl getfacl:acl setcap:libcap2-bin getcap:libcap2-bin python3:python3 \
              setpriv:util-linux unshare:util-linux systemd-analyze:systemd || finish
office_require_namespace

# The work directory is made in a tmpfs on /tmp that only this mount
# namespace sees: ctest ends a test that runs out of time with SIGKILL, no
# EXIT trap runs then, and a directory made in the host's /tmp (its tmpfs
# gone with the namespace) would stay there empty.
mount --make-rprivate / && mount -t tmpfs -o mode=1777 spice-audit-private-tmp /tmp || exit 4
work=$(mktemp -d /tmp/spice-connect-audit.XXXXXX)
trap 'office_teardown "$work"' EXIT
office_private_tmpfs "$work" spice-audit
OFFICE=$work  # office_syslog_start: a private /dev/log writing $work/log/syslog
mkdir -p "$work/log"
office_syslog_start
SYSLOG=$work/log/syslog
# Every audit of the running system walks its local mounts for set-group-ID
# files; root's home (this machine's caches: half its files) is not needed
# here, so an empty tmpfs over it halves that walk. Not when the checkout
# itself lives there (the clean room clones into /root): hiding it would
# hide the tool under test.
hide_root_home=yes
for path in "$ADMIN" "$UNIT" "$here"; do
    case $path in /root/*) hide_root_home=no ;; esac
done
[ "$hide_root_home" = no ] || mount -t tmpfs -o mode=0700 spice-audit-root-home /root
GID=4900  # the map's group inside the fake trees

# ------------------------------------------------------------------ helpers
# make_tree NAME: a clean tree $work/NAME: viewer root:4900 0750, launcher
# root:4900 2755, map root:4900 0640, nobody in the group, no other client.
make_tree() {
    R=$work/$1
    mkdir -p "$R/usr/bin" "$R/etc" "$R/opt"
    chmod 0755 "$R" "$R/usr" "$R/usr/bin" "$R/etc" "$R/opt"
    printf 'root:x:0:0:root:/root:/bin/bash\nalice:x:1000:1000::/home/alice:/bin/bash\ncarol:x:1001:1001::/home/carol:/bin/bash\n' >"$R/etc/passwd"
    printf 'root:x:0:\nspicegrp:x:%s:\nalice:x:1000:\ncarol:x:1001:\n' "$GID" >"$R/etc/group"
    write_map "$R" ""
    install -o 0 -g "$GID" -m 0750 /bin/true "$R/usr/bin/remote-viewer"
    install -o 0 -g "$GID" -m 2755 /bin/true "$R/usr/bin/spice-connect"
}
# write_map TREE EXTRA_LINE
write_map() {
    printf 'set group spicegrp\nset viewer /usr/bin/remote-viewer\n%s\nvm a host=a.example.org tls-port=20002\nallow alice a\n' "$2" \
        >"$1/etc/spice-connect.map"
    chown 0:"$GID" "$1/etc/spice-connect.map"
    chmod 0640 "$1/etc/spice-connect.map"
}

# audit ARGS...: runs the admin tool; sets RC, OUT, ERR.
audit() { run_capture "$ADMIN" audit "$@"; }
# json_query EXPR: EXPR evaluated by python on the JSON in $OUT as `d`.
json_query() { python3 -c "import json,sys; d=json.loads(sys.stdin.read()); print($1)" <<<"$OUT" 2>&1; }
# Ids of the findings in the JSON in $OUT not fixed / fixed, space-separated, sorted.
open_ids() { json_query "' '.join(sorted(f['id'] for f in d['findings'] if not f['fixed']))"; }
fixed_ids() { json_query "' '.join(sorted(f['id'] for f in d['findings'] if f['fixed']))"; }
perm_of() { stat -c '%a %u:%g' "$1"; }
has_xattr() { python3 -c "import os,sys; sys.exit(0 if sys.argv[2] in os.listxattr(sys.argv[1]) else 1)" "$1" "$2"; }
syslog_lines() { wc -l <"$SYSLOG"; }

# expect_id NAME IDS ID: the space-separated IDS hold ID.
expect_id() { tap_holds "findings" "$1" " $2 " " $3 " "$(captured)"; }
expect_finding() { expect_id "$1: finding $2" "$(open_ids)" "$2"; }  # name id: the id is among the open findings
expect_fixed() { expect_id "$1: $2 fixed" "$(fixed_ids)" "$2"; }      # name id: the id is among the fixed ones
expect_no_finding() {  # name id
    local ids; ids=$(open_ids)
    if [[ " $ids " != *" $2 "* ]]; then pass "$1: no open $2"
    else fail "$1: no open $2" "$(tap_field expected "open findings without $2")" "$(tap_field got "$ids")" "$(tap_field stdout "$OUT")"; fi
}

# case_breaks_and_fixes NAME ID FILE EXPECTED_AFTER_FIX BREAK_CMD...: a clean
# tree, BREAK_CMD run with $R set, then: the audit reports ID (exit 1), the
# human text explains it, --fix repairs it (exit 0), FILE is then
# EXPECTED_AFTER_FIX ("MODE UID:GID"), and a third run is clean.
case_breaks_and_fixes() {
    local name=$1 id=$2 file=$3 want=$4; shift 4
    make_tree "$name"
    "$@"
    audit --root "$R" --json
    expect_rc "$name: audit reports" 1
    expect_finding "$name" "$id"
    audit --root "$R"
    expect_out "$name: human text names the finding" "ERROR $id: "
    expect_out "$name: human text says why" "  Why: "
    expect_out "$name: human text gives the fix" "  Fix: "
    audit --root "$R" --fix --json
    expect_rc "$name: --fix" 0
    expect_fixed "$name" "$id"
    expect_equal "$name: $(basename "$file") after --fix" "$(perm_of "$R$file")" "$want"
    audit --root "$R"
    expect_rc "$name: clean after --fix" 0
    expect_out "$name: says clean" "audit: clean"
}

# drop_in NAME MODE TEXT: $R/etc/spice-connect.map.d/NAME, root:GID with
# MODE, holding TEXT (the directory root:root 0755).
drop_in() {
    install -d -o 0 -g 0 -m 0755 "$R/etc/spice-connect.map.d"
    printf '%s' "$3" >"$R/etc/spice-connect.map.d/$1"
    chown 0:"$GID" "$R/etc/spice-connect.map.d/$1"
    chmod "$2" "$R/etc/spice-connect.map.d/$1"
}
writable_drop_in() { drop_in 10-team.map 0666 $'allow carol a\n'; }

# ------------------------------------------------------------ a clean tree
make_tree clean
audit --root "$R"
expect_rc "clean tree" 0
expect_out "clean tree: says clean" "audit: clean"
audit --root "$R/"
expect_rc "clean tree, --root with a trailing slash" 0

# ------------------------------------------------ each finding, and its fix
case_breaks_and_fixes viewer-mode viewer-mode /usr/bin/remote-viewer "750 0:$GID" \
    chmod 0755 "$work/viewer-mode/usr/bin/remote-viewer"
case_breaks_and_fixes viewer-group viewer-group /usr/bin/remote-viewer "750 0:$GID" \
    chgrp 0 "$work/viewer-group/usr/bin/remote-viewer"
case_breaks_and_fixes viewer-owner viewer-owner /usr/bin/remote-viewer "750 0:$GID" \
    chown 1000 "$work/viewer-owner/usr/bin/remote-viewer"
case_breaks_and_fixes viewer-setgid viewer-setid /usr/bin/remote-viewer "750 0:$GID" \
    chmod 2750 "$work/viewer-setgid/usr/bin/remote-viewer"
# chown clears the setgid bit: the fix must apply the mode after it.
# A drop-in is judged as the map; its directory is repaired by hand.
case_breaks_and_fixes drop-in-writable map-writable /etc/spice-connect.map.d/10-team.map "640 0:$GID" writable_drop_in
make_tree drop-in-clean
drop_in 10-team.map 0640 $'vm b host=b.example.org tls-port=20003\nallow carol b\nallow alice a\n'
drop_in 10-team.map~ 0666 $'set viewer /bin/sh\n'  # not a drop-in: never read, never judged
audit --root "$R" --json
expect_rc "a sound drop-in: clean" 0
make_tree drop-in-directory
drop_in 10-team.map 0640 $'allow carol a\n'
chmod 0777 "$R/etc/spice-connect.map.d"
audit --root "$R" --json
expect_rc "drop-in directory writable by others: audit reports" 1
expect_finding "drop-in directory writable by others" map-directory-writable
audit --root "$R" --fix --json
expect_finding "drop-in directory writable by others: --fix leaves it to the administrator" map-directory-writable
expect_equal "drop-in directory: --fix left its mode" "$(perm_of "$R/etc/spice-connect.map.d")" "777 0:0"
make_tree drop-in-owner
drop_in 10-team.map 0640 $'allow carol a\n'
chown 1000 "$R/etc/spice-connect.map.d/10-team.map"
audit --root "$R" --json
expect_finding "drop-in owned by a user" map-owner
expect_equal "drop-in owned by a user: the finding names it" \
    "$(json_query "[f['path'] for f in d['findings'] if f['id'] == 'map-owner']")" "['$R/etc/spice-connect.map.d/10-team.map']"
make_tree drop-in-error
drop_in 20-lab.map 0640 $'\nallow carol nosuchvm\n'
audit --root "$R"
expect_rc "drop-in with an error: a configuration error, as a map with errors" 3
expect_out "drop-in with an error: the finding names its file and line" "$R/etc/spice-connect.map.d/20-lab.map:2:13: error: VM 'nosuchvm' is not defined"
make_tree drop-in-fifo
install -d -o 0 -g 0 -m 0755 "$R/etc/spice-connect.map.d"
mkfifo -m 0640 "$R/etc/spice-connect.map.d/x.map"
audit --root "$R" --json
expect_rc "a FIFO named x.map: a configuration error, reported without waiting on it" 3
expect_finding "a FIFO named x.map" map-not-regular
case_breaks_and_fixes launcher-group launcher-group /usr/bin/spice-connect "2755 0:$GID" \
    chgrp 0 "$work/launcher-group/usr/bin/spice-connect"
case_breaks_and_fixes launcher-setuid launcher-setuid /usr/bin/spice-connect "2755 0:$GID" \
    chmod 6755 "$work/launcher-setuid/usr/bin/spice-connect"
case_breaks_and_fixes launcher-writable launcher-mode /usr/bin/spice-connect "2755 0:$GID" \
    chmod 2775 "$work/launcher-writable/usr/bin/spice-connect"
case_breaks_and_fixes launcher-no-setgid launcher-mode /usr/bin/spice-connect "2755 0:$GID" \
    chmod 0755 "$work/launcher-no-setgid/usr/bin/spice-connect"
case_breaks_and_fixes map-writable map-writable /etc/spice-connect.map "640 0:$GID" \
    chmod 0642 "$work/map-writable/etc/spice-connect.map"  # world-writable
# The package's mode, not just the write bits gone (0644 would do too, but
# the package installs 0640).
case_breaks_and_fixes map-0666 map-writable /etc/spice-connect.map "640 0:$GID" \
    chmod 0666 "$work/map-0666/etc/spice-connect.map"
case_breaks_and_fixes map-owner map-owner /etc/spice-connect.map "640 0:$GID" \
    chown 1000 "$work/map-owner/etc/spice-connect.map"

# ------------------------------------------------ console tickets' files
# The agent's key and certificate on a client whose map uses tickets, the
# daemon's on a VM server (managed-clients): judged by the rules the agent
# refuses its key by, reported, and left alone by --fix.
AGENT_UID=990 TICKETD_GID=991
# ticket_tree NAME [MAP_LINES]: a clean tree whose map uses tickets, with
# the agent's user and a sound key (spice-connect-agent 0600) and
# certificate (root 0644).
ticket_tree() {
    make_tree "$1"
    printf 'spice-connect-agent:x:%s:%s::/nonexistent:/usr/sbin/nologin\n' "$AGENT_UID" "$AGENT_UID" >>"$R/etc/passwd"
    printf 'spice-connect-agent:x:%s:\nspice-connect-ticketd:x:%s:\n' "$AGENT_UID" "$TICKETD_GID" >>"$R/etc/group"
    write_map "$R" "set tickets yes
set ticket-ca /etc/spice-connect/ca.pem
${2:-}"
    install -d -o 0 -g 0 -m 0755 "$R/etc/spice-connect" "$R/etc/spice-connect/agent"
    install -o 0 -g 0 -m 0644 /dev/null "$R/etc/spice-connect/ca.pem"
    install -o 0 -g 0 -m 0644 /dev/null "$R/etc/spice-connect/agent/cert.pem"
    install -o "$AGENT_UID" -g "$AGENT_UID" -m 0600 /dev/null "$R/etc/spice-connect/agent/key.pem"
}
# ticket_case NAME ID BREAK_CMD...: a ticket tree, BREAK_CMD run with $R
# set; the audit reports ID (subject tickets).
ticket_case() {
    local name=$1 id=$2; shift 2
    ticket_tree "$name"
    "$@"
    audit --root "$R" --json
    expect_rc "$name: audit reports" 1
    expect_finding "$name" "$id"
    expect_equal "$name: its subject is tickets" "$(json_query "sorted({f['subject'] for f in d['findings'] if f['id'] == '$id'})")" "['tickets']"
}
key=/etc/spice-connect/agent/key.pem
ticket_tree tickets-clean
audit --root "$R" --json
expect_rc "tickets, sound agent files: clean" 0
expect_equal "tickets, sound agent files: no finding" "$(open_ids)" ""
ticket_case agent-key-0640 agent-key-readable chmod 0640 "$work/agent-key-0640$key"
audit --root "$R" --fix --json
expect_finding "agent-key-0640: --fix leaves it to the administrator" agent-key-readable
expect_equal "agent-key-0640: --fix left the mode" "$(perm_of "$R$key")" "640 $AGENT_UID:$AGENT_UID"
audit --root "$R"
expect_out "agent-key-0640: human text names the finding" "ERROR agent-key-readable: "
expect_out "agent-key-0640: the problem names the key and who may read it" \
    "the ticket agent's key $R$key may be read or written by others than the user spice-connect-agent"
expect_out "agent-key-0640: the fix" "chown spice-connect-agent: $R$key && chmod 0600 $R$key"
ticket_case agent-key-spicegrp agent-key-readable \
    eval 'chgrp "$GID" "$R$key" && chmod 0640 "$R$key"'  # the launcher's group, so every viewer, may read it
ticket_case agent-key-owner agent-key-owner chown 0 "$work/agent-key-owner$key"
ticket_case agent-key-missing agent-key-missing rm "$work/agent-key-missing$key"
audit --root "$R"
expect_out "agent-key-missing: names the unit that fails" "spice-connect-agent.service cannot work without it"
ticket_case agent-key-symlink agent-key-symlink \
    eval 'mv "$R$key" "$R$key.real" && ln -s key.pem.real "$R$key"'
ticket_case agent-key-acl agent-key-acl setfacl -m "g:$GID:r" "$work/agent-key-acl$key"
ticket_case agent-key-parent agent-key-parent chmod 0777 "$work/agent-key-parent/etc/spice-connect/agent"
ticket_case agent-cert-writable agent-cert-writable chmod 0666 "$work/agent-cert-writable/etc/spice-connect/agent/cert.pem"
expect_equal "agent-cert-writable: a warning (a certificate is public)" \
    "$(json_query "[f['severity'] for f in d['findings'] if f['id'] == 'agent-cert-writable']")" "['warning']"
ticket_case agent-user-missing agent-user-missing sed -i '/^spice-connect-agent:/d' "$work/agent-user-missing/etc/passwd"
make_tree no-tickets
install -d -o 0 -g 0 -m 0755 "$R/etc/spice-connect" "$R/etc/spice-connect/agent"
install -o 0 -g 0 -m 0666 /dev/null "$R/etc/spice-connect/agent/key.pem"
audit --root "$R" --json
expect_rc "a map without tickets: the agent's files are not judged" 0
# A VM server: the daemon's files, root:spice-connect-ticketd 0640.
server_tree() {
    ticket_tree "$1" "set managed-clients pc1.example.org"
    rm -rf "$R/etc/spice-connect/agent"
    install -d -o 0 -g 0 -m 0755 "$R/etc/spice-connect/ticketd"
    install -o 0 -g 0 -m 0644 /dev/null "$R/etc/spice-connect/ticketd/cert.pem"
    install -o 0 -g "$TICKETD_GID" -m 0640 /dev/null "$R/etc/spice-connect/ticketd/key.pem"
}
server_tree ticketd-clean
audit --root "$R" --json
expect_rc "a VM server with sound files (and no agent's directory): clean" 0
expect_equal "a VM server: no finding" "$(open_ids)" ""
for bad in "0644 0:$TICKETD_GID" "0640 0:$GID" "0660 0:$TICKETD_GID"; do
    server_tree "ticketd-${bad// /-}"
    R_key=$R/etc/spice-connect/ticketd/key.pem
    chmod "${bad% *}" "$R_key" && chown "${bad#* }" "$R_key"
    audit --root "$R" --json
    expect_finding "the daemon's key ${bad}" ticketd-key-readable
done
server_tree ticketd-missing
rm "$R/etc/spice-connect/ticketd/key.pem"
audit --root "$R" --json
expect_finding "the daemon's key missing" ticketd-key-missing
audit --root "$R"
expect_out "the daemon's key missing: names the unit that fails" "spice-connect-ticketd.service cannot work without it"
server_tree ticketd-no-group
sed -i '/^spice-connect-ticketd:/d' "$R/etc/group"
audit --root "$R" --json
expect_finding "the daemon's group missing" ticketd-group-missing
expect_finding "the daemon's group missing: its key's group may not read it" ticketd-key-readable

# An ACL entry that lets user 1000 run the viewer, though the mode says 0750.
case_breaks_and_fixes viewer-acl viewer-acl /usr/bin/remote-viewer "750 0:$GID" \
    setfacl -m u:1000:rx "$work/viewer-acl/usr/bin/remote-viewer"
! has_xattr "$R/usr/bin/remote-viewer" system.posix_acl_access
expect_true "viewer-acl: no ACL xattr after --fix" $? "system.posix_acl_access is still there"
case_breaks_and_fixes viewer-acl-group viewer-acl /usr/bin/remote-viewer "750 0:$GID" \
    setfacl -m g:1001:x "$work/viewer-acl-group/usr/bin/remote-viewer"
# Base entries only (what `setfacl -m u::rwx` leaves) grant nothing extra.
make_tree acl-base
setfacl -m u::rwx,g::rx,o::- "$R/usr/bin/remote-viewer"
audit --root "$R"
expect_rc "an ACL of the base entries only is no finding" 0
case_breaks_and_fixes launcher-acl launcher-acl /usr/bin/spice-connect "2755 0:$GID" \
    setfacl -m u:1000:rwx,m::rx "$work/launcher-acl/usr/bin/spice-connect"

case_breaks_and_fixes viewer-caps viewer-caps /usr/bin/remote-viewer "750 0:$GID" \
    setcap cap_net_raw+ep "$work/viewer-caps/usr/bin/remote-viewer"
expect_equal "viewer-caps: getcap shows nothing after --fix" "$(getcap "$R/usr/bin/remote-viewer")" ""
case_breaks_and_fixes launcher-caps launcher-caps /usr/bin/spice-connect "2755 0:$GID" \
    setcap cap_dac_override+ep "$work/launcher-caps/usr/bin/spice-connect"

# ----------------------------------------- a directory a user may write
make_tree parent
chown 1000 "$R/usr/bin"
chmod 0755 "$R/usr/bin/remote-viewer"
audit --root "$R" --json
expect_rc "user-owned parent: audit reports" 1
expect_finding "user-owned parent" viewer-parent
expect_finding "user-owned parent" launcher-parent
expect_equal "user-owned parent: the directory is named" \
    "$(json_query "[f['path'] for f in d['findings'] if f['id']=='viewer-parent'][0]")" "$R/usr/bin"
audit --root "$R" --fix --json
expect_rc "user-owned parent: --fix leaves findings" 1
expect_equal "user-owned parent: --fix left the viewer alone" "$(perm_of "$R/usr/bin/remote-viewer")" "755 0:$GID"
expect_equal "user-owned parent: no change made" "$(json_query "len(d['changes'])")" 0
expect_out "user-owned parent: says why not fixed" "writable by a user other than root"
make_tree parent-writable
chmod 0757 "$R/etc"
chmod 0646 "$R/etc/spice-connect.map"
audit --root "$R" --fix --json
expect_finding "world-writable parent of the map" map-parent
expect_finding "world-writable parent of the map: the map" map-writable
expect_equal "world-writable parent: --fix left the map alone" "$(perm_of "$R/etc/spice-connect.map")" "646 0:$GID"

# --------------------------------------------------------------- symlinks
make_tree symlink
install -o 0 -g 0 -m 0755 /bin/true "$R/opt/target"
rm "$R/usr/bin/remote-viewer"
ln -s /opt/target "$R/usr/bin/remote-viewer"
audit --root "$R" --fix --json
expect_rc "viewer is a symlink: --fix reports" 1
expect_finding "viewer is a symlink" viewer-symlink
expect_equal "viewer is a symlink: its target untouched" "$(perm_of "$R/opt/target")" "755 0:0"
check "viewer is a symlink: still a symlink" test -L "$R/usr/bin/remote-viewer"
expect_equal "viewer is a symlink: no change made" "$(json_query "len(d['changes'])")" 0
# A symlink on the way (usr -> real-usr) is not followed either.
make_tree dir-symlink
mv "$R/usr" "$R/real-usr"
ln -s real-usr "$R/usr"
chmod 0755 "$R/real-usr/bin/remote-viewer"
audit --root "$R" --fix --json
expect_finding "a directory on the way is a symlink" viewer-symlink
expect_equal "a directory on the way is a symlink: the file behind it untouched" \
    "$(perm_of "$R/real-usr/bin/remote-viewer")" "755 0:$GID"

# ------------------------------------------------- idempotence and syslog
make_tree twice
chmod 0755 "$R/usr/bin/remote-viewer"
chgrp 0 "$R/usr/bin/spice-connect"
setfacl -m u:1000:rx "$R/usr/bin/remote-viewer"
setcap cap_net_raw+ep "$R/usr/bin/spice-connect"
chmod 0666 "$R/etc/spice-connect.map"
before=$(syslog_lines)
audit --root "$R" --fix --json
expect_rc "--fix, first run" 0
changes=$(json_query "len(d['changes'])")
logged=$(( $(syslog_lines) - before ))
[ "$changes" -ge 5 ]
expect_true "--fix, first run: at least 5 changes" $? "$changes changes" "$(tap_field stdout "$OUT")"
expect_equal "--fix, first run: one syslog line per change" "$logged" "$changes"
grep -q "^<85>.*spice-connect-admin\[[0-9]*\]: audit: $R/usr/bin/remote-viewer: removed the ACL" "$SYSLOG"
expect_true "syslog: authpriv.notice, ident spice-connect-admin, the path and the change" $? "" "$(tap_field syslog "$(cat "$SYSLOG")")"
before=$(syslog_lines)
audit --root "$R" --fix --json
expect_rc "--fix, second run" 0
expect_equal "--fix, second run: no change" "$(json_query "len(d['changes'])")" 0
expect_equal "--fix, second run: nothing logged" "$(( $(syslog_lines) - before ))" 0
expect_equal "--fix, second run: status" "$(json_query "d['status']")" clean

# ------------------------------- set-group-ID files of the launcher's group
# A program alice planted through the viewer (hers, group spicegrp, 2755),
# next to what must not be reported: the launcher, a setgid program of
# another group, a setuid-only file of the group, and a symbolic link to a
# planted program outside the tree (never followed, so never repaired).
make_tree planted
mkdir -p "$R/home/alice/bin" "$R/srv/shared" "$work/outside"
chmod 0755 "$R/home" "$R/srv"
chown 1000:1000 "$R/home/alice" "$R/home/alice/bin"
PLANTED=$R/home/alice/bin/sg
install -o 1000 -g "$GID" -m 2755 /bin/true "$PLANTED"
install -o 1000 -g 1000 -m 2755 /bin/true "$R/home/alice/bin/own-group"
install -o 1000 -g "$GID" -m 4755 /bin/true "$R/home/alice/bin/setuid-only"
install -o 1000 -g "$GID" -m 2755 /bin/true "$work/outside/sg"
ln -s "$work/outside/sg" "$R/home/alice/bin/link"
chown 0:"$GID" "$R/srv/shared"; chmod 2775 "$R/srv/shared"
setid_paths() { json_query "sorted(f['path'] for f in d['findings'] if f['id'] == 'setid-file' and not f['fixed'])"; }
audit --root "$R" --json
expect_rc "planted setgid program: the audit fails" 1
expect_equal "planted setgid program: the one setid-file finding is it" "$(setid_paths)" "['$PLANTED']" "$(captured)"
reported=$(json_query "[f['path'] for f in d['findings'] if f['subject'] == 'setid']")
for other in usr/bin/spice-connect home/alice/bin/own-group home/alice/bin/setuid-only home/alice/bin/link; do
    [[ $reported != *"'$R/$other'"* ]]
    expect_true "planted setgid program: $other is not reported" $? "reported: $reported"
done
expect_no_out "planted setgid program: the link's target outside the tree is not reported" "$work/outside"
expect_equal "setgid directory of the group: one notice naming it" \
    "$(json_query "[(f['severity'], f['problem'].split(chr(10))[1]) for f in d['findings'] if f['id'] == 'setid-directories']")" \
    "[('notice', '$R/srv/shared (owner root, mode 2775)')]"
audit --root "$R"
expect_out "planted setgid program: owner, path and what it gives" \
    "ERROR setid-file: $PLANTED (owner alice, mode 2755) is a set-group-ID file of the launcher's group: anyone who runs it gets spicegrp"
expect_out "planted setgid program: the fix" "  Fix: chmod ug-s $PLANTED"
before=$(syslog_lines)
audit --root "$R" --fix
expect_rc "planted setgid program: --fix" 0
expect_out "planted setgid program: --fix says what it changed" "  $PLANTED: mode 2755 -> 0755"
expect_equal "planted setgid program: after --fix" "$(perm_of "$PLANTED")" "755 1000:$GID"
expect_equal "planted setgid program: --fix logs one line" "$(( $(syslog_lines) - before ))" 1
expect_equal "setgid program of another group: left alone" "$(perm_of "$R/home/alice/bin/own-group")" "2755 1000:1000"
expect_equal "setuid-only file of the group: left alone" "$(perm_of "$R/home/alice/bin/setuid-only")" "4755 1000:$GID"
expect_equal "the link's target outside the tree: left alone" "$(perm_of "$work/outside/sg")" "2755 1000:$GID"
expect_equal "setgid directory of the group: left alone by --fix" "$(perm_of "$R/srv/shared")" "2775 0:$GID"
audit --root "$R" --json
expect_rc "planted setgid program: clean after --fix (the directory is a notice)" 0
expect_equal "planted setgid program: no setid-file after --fix" "$(setid_paths)" "[]"
# A tree deeper than the walk goes (900 directories) is no hiding place:
# the audit says where it could not look, as a warning.
make_tree deep
mkdir -p "$R/home/$(printf 'd/%.0s' {1..905})"
audit --root "$R" --json
expect_rc "a tree deeper than the walk goes: the audit fails" 1
expect_has "a tree deeper than the walk goes: setid-unread says where" \
    "$(json_query "[f['severity'] + ' ' + f['problem'] for f in d['findings'] if f['id'] == 'setid-unread']")" \
    "warning the search for set-group-ID files of the launcher's group could not look into 1 place(s):"
# A planted program that is also setuid loses both bits; one whose name
# holds a line break forges no line of the report, and is cleared too.
make_tree planted-both
install -o 1000 -g "$GID" -m 6755 /bin/true "$R/usr/bin/both"
forged=$'x\nERROR forged: y'
install -o 1000 -g "$GID" -m 2755 /bin/true "$R/usr/bin/$forged"
audit --root "$R"
expect_no_out "a planted name with a line break forges no report line" $'\nERROR forged'
expect_out "a planted name with a line break: shown with '?'" "$R/usr/bin/x?ERROR forged: y (owner alice"
audit --root "$R" --fix
expect_equal "setuid and setgid program of the group: both bits cleared" "$(perm_of "$R/usr/bin/both")" "755 1000:$GID"
expect_equal "a planted name with a line break: cleared" "$(perm_of "$R/usr/bin/$forged")" "755 1000:$GID"

# ------------------------------------------------------------ --from-timer
make_tree timer
chmod 0755 "$R/usr/bin/remote-viewer"
audit --root "$R" --from-timer
expect_rc "--from-timer without audit-fix: reports" 1
expect_equal "--from-timer without audit-fix: viewer unchanged" "$(perm_of "$R/usr/bin/remote-viewer")" "755 0:$GID"
write_map "$R" "set audit-fix yes"
audit --root "$R" --from-timer
expect_rc "--from-timer with set audit-fix yes: repairs" 0
expect_equal "--from-timer with set audit-fix yes: viewer 0750" "$(perm_of "$R/usr/bin/remote-viewer")" "750 0:$GID"

# --------------------------------------------------------- group and users
make_tree members
printf 'root:x:0:\nspicegrp:x:%s:alice,root\nalice:x:1000:\n' "$GID" >"$R/etc/group"
printf 'dave:x:1002:%s::/home/dave:/bin/bash\n' "$GID" >>"$R/etc/passwd"
audit --root "$R" --json
expect_rc "group members: reported" 1
expect_finding "group members" group-members
expect_equal "group members: listed with uid and how" \
    "$(json_query "[(m['user'], m['uid'], m['member'], m['primary']) for m in d['members']]")" \
    "[('alice', 1000, True, False), ('dave', 1002, False, True)]"
make_tree nogroup
printf 'root:x:0:\n' >"$R/etc/group"
audit --root "$R" --json
expect_finding "the map's group does not exist" group-missing

# ----------------------------------------------------------- other clients
make_tree clients
ln -s usr/bin "$R/bin"  # merged /usr: the same files must be named once
install -m 0755 /bin/true "$R/usr/bin/virt-viewer"
mkdir -p "$R/usr/local/bin" "$R/var/lib/flatpak/app/org.virt_manager.virt-viewer"
install -m 0755 /bin/true "$R/usr/local/bin/remote-viewer"
install -o 0 -g "$GID" -m 0750 /bin/true "$R/usr/bin/spicy"  # only the group: not reported
audit --root "$R" --json
expect_rc "other clients: reported as a notice, which does not fail the audit" 0
expect_finding "other clients" other-clients
expect_equal "other clients: named once each" "$(json_query "sorted(c['path'] for c in d['clients'])")" \
    "['$R/usr/bin/virt-viewer', '$R/usr/local/bin/remote-viewer', '$R/var/lib/flatpak/app/org.virt_manager.virt-viewer']"
audit --root "$R"
expect_out "other clients: the warning says the firewall stops them" "the per-user firewall is what stops them"
expect_out "other clients: a notice" "NOTICE other-clients: "

# ------------------------------------------------------ configuration errors
make_tree nomap
rm "$R/etc/spice-connect.map"
audit --root "$R" --json
expect_rc "map missing" 3
expect_equal "map missing: status" "$(json_query "d['status']")" config_error
make_tree brokenmap
printf 'set colour blue\n' >>"$R/etc/spice-connect.map"
audit --root "$R"
expect_rc "map with errors" 3
expect_out "map with errors: the parser's error" "unknown setting 'colour'"
make_tree linkmap
mv "$R/etc/spice-connect.map" "$R/etc/real.map"
ln -s real.map "$R/etc/spice-connect.map"
audit --root "$R" --fix
expect_rc "map is a symlink" 3
audit --root "$R" --map /etc/real.map
expect_rc "--map inside the tree" 0

# ------------------------------------------------------------------ libvirt
# `set libvirt URI`: on the running system the audit runs verify-vms
# (libvirt's test driver on the office node of tests/libvirt), for an image
# (--root) never. vm a is no domain there: drift. Only the libvirt finding
# ids are looked at: the running system's viewer has findings of its own.
NODE_URI=test://$(readlink -f "$here/../libvirt/office-node.xml")
libvirt_ids() { json_query "' '.join(sorted(f['id'] for f in d['findings'] if f['subject'] == 'libvirt'))"; }
make_tree libvirt-drift
write_map "$R" "set libvirt $NODE_URI"
# (--search-under: these runs are about libvirt; the search for set-group-ID
# files, if the map's group existed here, would cover $work only)
audit --map "$R/etc/spice-connect.map" --json --search-under "$work"
expect_equal "libvirt: a VM libvirt does not have" "$(libvirt_ids)" "libvirt-drift"
expect_has "libvirt: the finding names the VM and the drift" \
    "$(json_query "[f['problem'] for f in d['findings'] if f['id'] == 'libvirt-drift'][0]")" "a: missing: libvirt has no domain named 'a'"
audit --root "$R" --json
expect_rc "libvirt: an image's map is not compared with libvirt" 0
expect_equal "libvirt: no libvirt finding for --root" "$(libvirt_ids)" ""
make_tree libvirt-match
# set ports: the node's other SPICE domains are guarded, so not drift.
printf 'set group spicegrp\nset libvirt %s\nset ports 5904,5910,20002-20020\nvm debianx host=192.0.2.10 tls-port=20002\nallow alice debianx\n' "$NODE_URI" \
    >"$R/etc/spice-connect.map"
chown 0:"$GID" "$R/etc/spice-connect.map"; chmod 0640 "$R/etc/spice-connect.map"
audit --map "$R/etc/spice-connect.map" --json --search-under "$work"
expect_equal "libvirt: the map matches libvirt" "$(libvirt_ids)" ""
make_tree libvirt-unreachable
write_map "$R" "set libvirt test://$work/no-such-node.xml"
audit --map "$R/etc/spice-connect.map" --json --search-under "$work"
expect_equal "libvirt: libvirt cannot be reached" "$(libvirt_ids)" "libvirt-unreachable"

# -------------------------------------------------------------------- usage
audit --fix --from-timer
expect_rc "--fix with --from-timer" 2
audit --root "$work/clean" --map etc/spice-connect.map
expect_rc "--root with a relative --map" 2
audit --user root
expect_rc "an option audit does not take" 2
audit --root "$work/clean" --search-under usr
expect_rc "--search-under with a relative path" 2
run_capture "$ADMIN" audit --help
expect_rc "audit --help" 0
expect_out "audit --help: usage" "Usage: spice-connect-admin audit"

# ------------------------------------------------- the JSON document's fields
cat >"$work/check_json.py" <<'PY'
# The report on stdin against the fields documented in spice-connect-admin(8)
# and admin/audit_report.hpp: exactly these keys, these types and values.
import json, sys
d = json.load(sys.stdin)
top = {"version": int, "root": str, "map": str, "viewer": (str, type(None)), "launcher": str,
       "group": (str, type(None)), "gid": (int, type(None)), "fix": bool, "status": str,
       "members": list, "clients": list, "changes": list, "findings": list}
finding = {"id": str, "subject": str, "severity": str, "path": (str, type(None)), "problem": str,
           "why": str, "fix": str, "fixable": bool, "fixed": bool, "not_fixed": (str, type(None))}
def fields(obj, spec, where):
    assert set(obj) == set(spec), f"{where}: fields {sorted(obj)} != {sorted(spec)}"
    for k, t in spec.items():
        assert isinstance(obj[k], t), f"{where}.{k}: {obj[k]!r} is not {t}"
fields(d, top, "report")
assert d["version"] == 1 and d["root"] == sys.argv[1]
assert d["status"] in ("clean", "findings", "config_error")
for m in d["members"]:
    fields(m, {"user": str, "uid": (int, type(None)), "member": bool, "primary": bool}, "member")
for c in d["clients"]:
    fields(c, {"path": str, "kind": str}, "client"); assert c["kind"] in ("program", "flatpak")
for c in d["changes"]:
    fields(c, {"subject": str, "path": str, "change": str}, "change")
assert d["findings"], "no findings"
for f in d["findings"]:
    fields(f, finding, "finding " + f.get("id", "?"))
    assert f["severity"] in ("error", "warning", "notice"), f["severity"]
    assert f["subject"] in ("viewer", "launcher", "map", "group", "clients", "setid", "mount", "firewall"), f["subject"]
    assert f["id"].startswith(f["subject"] if f["subject"] != "clients" else "other-"), f["id"]
    assert f["problem"] and f["why"] and f["fix"], f["id"]
print("ok")
PY
make_tree json
chmod 0755 "$R/usr/bin/remote-viewer"
chown 1000 "$R/usr/bin"
printf 'root:x:0:\nspicegrp:x:%s:alice\n' "$GID" >"$R/etc/group"
install -m 0755 /bin/true "$R/usr/bin/virt-viewer"
install -o 1000 -g "$GID" -m 2755 /bin/true "$R/opt/planted"
chmod 2775 "$R/opt"; chgrp "$GID" "$R/opt"
for args in "--json" "--json --fix"; do
    # shellcheck disable=SC2086
    audit --root "$R" $args
    check=$(python3 "$work/check_json.py" "$R" <<<"$OUT" 2>&1)
    expect_equal "JSON ($args): documented fields and types" "$check" ok
done
make_tree json-broken
printf 'bogus line\n' >>"$R/etc/spice-connect.map"
audit --root "$R" --json
expect_equal "JSON of a configuration error: viewer and group null, status" \
    "$(json_query "(d['viewer'], d['group'], d['gid'], d['status'], [f['id'] for f in d['findings']])")" \
    "(None, None, None, 'config_error', ['map-errors'])"

# ------------------------------- the unit's capabilities are enough for --fix
caps=$(sed -n 's/^CapabilityBoundingSet=//p' "$UNIT")
keep=$(for c in $caps; do c=${c#CAP_}; printf ',+%s' "${c,,}"; done)
[ -n "$caps" ]
expect_true "unit: CapabilityBoundingSet=$caps" $? "no CapabilityBoundingSet in $UNIT"
# fix_with_caps NAME SETPRIV_BOUNDING: a tree needing every kind of repair,
# one in a place only CAP_DAC_READ_SEARCH reaches (a user's 0600 map).
fix_with_caps() {
    make_tree "$1"
    chown 1000 "$R/usr/bin/remote-viewer"
    setfacl -m u:1000:rx "$R/usr/bin/remote-viewer"
    setcap cap_net_raw+ep "$R/usr/bin/remote-viewer"
    chgrp 0 "$R/usr/bin/spice-connect"
    chown 1000 "$R/etc/spice-connect.map"
    chmod 0600 "$R/etc/spice-connect.map"
    run_capture setpriv --inh-caps=-all --bounding-set="$2" -- "$ADMIN" audit --root "$R" --fix
}
fix_with_caps unit-caps "-all$keep"
expect_rc "--fix with only the unit's capabilities" 0
expect_equal "--fix with only the unit's capabilities: viewer" "$(perm_of "$R/usr/bin/remote-viewer")" "750 0:$GID"
expect_equal "--fix with only the unit's capabilities: launcher" "$(perm_of "$R/usr/bin/spice-connect")" "2755 0:$GID"
# Each capability is needed: without it, something is left undone.
# (CAP_NET_ADMIN is the firewall comparison's, below.)
for c in $caps; do
    [ "$c" = CAP_NET_ADMIN ] && continue
    c=${c#CAP_}; c=${c,,}
    fix_with_caps "without-$c" "-all${keep/,+$c/}"
    [ "$RC" != 0 ]
    expect_true "--fix without cap_$c fails" $? "exit 0: the unit need not grant cap_$c" "$(tap_field stdout "$OUT")"
done
# The firewall comparison with only the unit's capabilities: the loaded
# rules are read over netlink and the expected ones built in a scratch
# network namespace inside a user namespace (no CAP_SYS_ADMIN); without
# CAP_NET_ADMIN the rules cannot be read, and the tool says so (exit 4).
# In a network namespace of its own, with a tmpfs /run for the stamp.
printf 'set ports 20001-20010\nvm one host=192.0.2.2 tls-port=20001\nallow #0 one\n' >"$work/fw.map"
chmod 0644 "$work/fw.map"
# fw_verify_with BOUNDING: apply as full root, then verify with BOUNDING.
fw_verify_with() {
    run_capture unshare --net --mount --propagation private sh -c '
        mount -t tmpfs spice-audit-run /run && "$1" firewall apply --map "$2" >/dev/null &&
        exec setpriv --inh-caps=-all --bounding-set="$3" -- "$1" firewall verify --map "$2"' \
        fw-verify "$ADMIN" "$work/fw.map" "$1"
}
fw_verify_with "-all$keep"
expect_rc "firewall verify with only the audit unit's capabilities" 0
expect_out "firewall verify with only the unit's capabilities: compared" "the loaded nft rules match the map"
fw_verify_with "-all${keep/,+net_admin/}"
expect_rc "firewall verify without cap_net_admin cannot read the rules" 4
expect_err "without cap_net_admin: the reason is given" "cannot read the loaded rules"

# ------------------------------------------------------ the units' syntax
# systemd-analyze verify checks keys, values and that ExecStart exists: the
# admin tool is put at its installed path through an overlay on /usr/sbin.
mkdir -p "$work/sbin-upper" "$work/sbin-work" "$work/units"
mount -t overlay spice-audit-sbin -o "lowerdir=/usr/sbin,upperdir=$work/sbin-upper,workdir=$work/sbin-work" /usr/sbin
install -m 0755 "$ADMIN" /usr/sbin/spice-connect-admin
cp "$UNIT" "${UNIT%.service}.timer" "$work/units/"
expect_quiet "systemd-analyze verify: service and timer clean" \
    systemd-analyze verify --man=no "$work/units/spice-connect-audit.service" "$work/units/spice-connect-audit.timer"
umount /usr/sbin

# --------------------------------------------- the running system's paths
# A tmpfs over /mnt holds viewer and map, /etc is a copy with the test's
# group and users, and /usr/bin an overlay whose upper layer takes the
# launcher: all inside this namespace.
sys=/mnt
mount -t tmpfs -o mode=0755 spice-audit-sys "$sys"
cp -a /etc "$work/etc-copy"
echo "spiceaudit:x:4917:auditmember" >>"$work/etc-copy/group"
echo "auditmember:x:4918:4918::/nonexistent:/usr/sbin/nologin" >>"$work/etc-copy/passwd"
echo "auditmember:x:4918:" >>"$work/etc-copy/group"
mount --bind "$work/etc-copy" /etc
mkdir -p "$work/usr-bin-upper" "$work/usr-bin-work"
mount -t overlay spice-audit-usr-bin -o "lowerdir=/usr/bin,upperdir=$work/usr-bin-upper,workdir=$work/usr-bin-work" /usr/bin
install -o 0 -g 4917 -m 0755 /bin/true "$sys/remote-viewer"
install -o 0 -g 0 -m 2755 /bin/true /usr/bin/spice-connect
printf 'set group spiceaudit\nset viewer %s/remote-viewer\nvm a host=a.example.org tls-port=20002\nallow auditmember a\n' "$sys" \
    >"$sys/spice-connect.map"
chmod 0644 "$sys/spice-connect.map"
audit --map "$sys/spice-connect.map" --json
expect_equal "running system: the tree is /" "$(json_query "(d['root'], d['viewer'], d['launcher'], d['gid'])")" \
    "('/', '$sys/remote-viewer', '/usr/bin/spice-connect', 4917)"
expect_finding "running system" viewer-mode
expect_finding "running system" launcher-group
expect_finding "running system: members through NSS" group-members
expect_equal "running system: the member" "$(json_query "[m['user'] for m in d['members']]")" "['auditmember']"
audit --map "$sys/spice-connect.map" --fix --json
expect_fixed "running system" viewer-mode
expect_fixed "running system" launcher-group
expect_equal "running system: viewer after --fix" "$(perm_of "$sys/remote-viewer")" "750 0:4917"
expect_equal "running system: launcher after --fix" "$(perm_of /usr/bin/spice-connect)" "2755 0:4917"
cd "$sys" && audit --map spice-connect.map --json && cd /
expect_no_finding "running system, relative --map" viewer-mode
expect_equal "running system, relative --map: resolved" "$(json_query "d['map']")" "$sys/spice-connect.map"

# The walk of the running system's mounts, and /tmp's nosuid: a tmpfs on
# /tmp without nosuid holds a program planted for the group and a proc
# mount the walk must not enter; the launcher, fixed above to
# root:spiceaudit 2755, is not reported. Then /tmp remounted nosuid.
mount -t tmpfs -o mode=1777 spice-audit-tmp /tmp
install -o 4918 -g 4917 -m 2755 /bin/true /tmp/planted
mkdir /tmp/proc && mount -t proc spice-audit-proc /tmp/proc
planted_paths() { json_query "[f['path'] for f in d['findings'] if f['id'] == 'setid-file']"; }
tmp_notice() { json_query "[f['severity'] for f in d['findings'] if f['id'] == 'mount-allows-setid' and f['path'] == '/tmp']"; }
audit --map "$sys/spice-connect.map" --json --search-under "$sys"
expect_equal "--search-under: a notice names the one place searched" \
    "$(json_query "[(f['severity'], f['path']) for f in d['findings'] if f['id'] == 'setid-search-limited']")" "[('notice', '$sys')]"
expect_equal "--search-under: the program planted outside it is not found" "$(planted_paths)" "[]"
audit --map "$sys/spice-connect.map" --json
expect_equal "running system: the walk finds the program planted in /tmp, and only it" "$(planted_paths)" "['/tmp/planted']" "$(captured)"
expect_equal "running system: the walk read every local mount" \
    "$(json_query "[f['problem'] for f in d['findings'] if f['id'] == 'setid-unread']")" "[]"
expect_no_out "running system: the walk did not enter the proc mount" "/tmp/proc/"
expect_equal "running system: /tmp without nosuid is a notice" "$(tmp_notice)" "['notice']"
audit --map "$sys/spice-connect.map" --fix --json
expect_equal "running system: --fix cleared the planted program's bit" "$(perm_of /tmp/planted)" "755 4918:4917"
mount -o remount,nosuid /tmp
audit --map "$sys/spice-connect.map" --json
expect_equal "running system: /tmp with nosuid is no finding" "$(tmp_notice)" "[]"

# The audit timer's record, which `status` reports: written by --from-timer
# on the running system only (a tmpfs over /var/lib here), counts only.
mount -t tmpfs -o mode=0755 spice-audit-var-lib /var/lib
audit --map "$sys/spice-connect.map" --json
expect_equal "an audit run by hand leaves no timer record" "$(ls -A /var/lib)" ""
audit --map "$sys/spice-connect.map" --from-timer --json
expect_equal "--from-timer: the record, root 0644 in /var/lib/spice-connect" \
    "$(stat -c '%U %a' /var/lib/spice-connect /var/lib/spice-connect/last-audit 2>&1 | tr '\n' ' ')" "root 755 root 644 "
count_of() { json_query "len([f for f in d['findings'] if f['severity'] == '$1' and not f['fixed']])"; }
expect_equal "--from-timer: the record holds the run's status and counts, no path" \
    "$(sed 1,2d /var/lib/spice-connect/last-audit | tr '\n' ' ')" \
    "status $(json_query "d['status']") errors $(count_of error) warnings $(count_of warning) notices $(count_of notice) "
finished=$(sed -n 's/^finished //p' /var/lib/spice-connect/last-audit)
expect_true "--from-timer: the record says when it finished" "$([ -n "$finished" ] && [ $(( $(date +%s) - finished )) -le 60 ]; echo $?)" "$finished"
umount /var/lib
umount /tmp/proc /tmp

# No firewall loaded (an empty /run: no stamp): with a VM that is a warning
# (granted or not, its port is open to every user's own client); with a map
# that names no VM and no port yet (as the package installs it) only a
# notice, so the hourly audit of a fresh install stays green.
mount -t tmpfs -o mode=0755 spice-audit-run /run
firewall_off_severity() { json_query "[f['severity'] for f in d['findings'] if f['id'] == 'firewall-off']"; }
audit --map "$sys/spice-connect.map" --json
expect_rc "firewall off, the map grants: a finding" 1
expect_equal "firewall off, the map grants: firewall-off is a warning" "$(firewall_off_severity)" "['warning']"
printf 'set group spiceaudit\nset viewer %s/remote-viewer\nvm a host=a.example.org tls-port=20002\n' "$sys" \
    >"$sys/spice-connect.map"
audit --map "$sys/spice-connect.map" --json
expect_equal "firewall off, a VM without grants: still a warning" "$(firewall_off_severity)" "['warning']"
printf 'set group spiceaudit\nset viewer %s/remote-viewer\n' "$sys" >"$sys/spice-connect.map"
audit --map "$sys/spice-connect.map" --json
# (group-members is this tree's own: auditmember is in the group; and the
# overlay's upper layer in $work, visible again, holds a real setgid copy
# of the launcher of the group: a setid-file, which is not the firewall's)
expect_equal "firewall off, no VM, no port: the firewall is no finding" \
    "$(json_query "[f['id'] for f in d['findings'] if f['severity'] != 'notice' and f['subject'] != 'setid']")" "['group-members']"
expect_equal "firewall off, no VM, no port: firewall-off is a notice" "$(firewall_off_severity)" "['notice']"
printf 'set require-firewall yes\n' >>"$sys/spice-connect.map"
audit --map "$sys/spice-connect.map" --json
expect_equal "firewall off, no VM but require-firewall: an error" "$(firewall_off_severity)" "['error']"
umount /run

summary
