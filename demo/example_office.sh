#!/bin/bash
# ./run demo quick: the example office rebuilt in a private mount namespace.
# Real users and groups (a private /etc), the real launcher installed setgid,
# a recording stand-in for remote-viewer; each user tries their console and
# the access matrix is printed. The VMs' hosts are on the loopback of a
# private network namespace. Usage (as root, via ./run demo quick):
#   unshare --mount --net --propagation private bash demo/example_office.sh BUILD_DIR
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
build=$(readlink -f "${1:-$top/build}")
. "$top/tests/lib/office.sh"

work=$(mktemp -d /tmp/spice-connect-demo.XXXXXX)
trap 'office_teardown "$work"' EXIT
office_setup "$work"
office_syslog_start
office_consoles 20002 20004 20006   # the VMs' hosts, on loopback: the launcher connects before it starts the viewer
office_install_launcher "$build/launcher/spice-connect"
office_install_viewer "$build/tests/integration/recording_viewer"
SC=$OFFICE/bin/spice-connect
bold() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

office_write_map <<MAP
# The example office. myself keeps the book-keeping VM; the boss (group
# boss: carol) may use it in the evening. Maggie has the web test VM on
# Mondays and Tuesdays, Anne on Wednesdays and Thursdays. Ralph alone works
# on the confidential analysis VM.
set viewer $OFFICE/bin/remote-viewer    # a recording stand-in in this demo
set group spicegrp
set timezone Europe/Berlin
set ports 20001-20010

vm debianx  host=mysrv.example.org tls-port=20002 ca=/etc/spice-connect/ca.pem subject="C=DE,O=Example,CN=mysrv"
vm leaptest host=192.0.2.2 tls-port=20004 title="Web test server"
vm analysis host=2001:db8::2 tls-port=20006 kiosk fullscreen usbredir=no audio=no

allow myself  debianx
allow %boss   debianx  hours=18:00-23:00
allow maggie  leaptest days=mon,tue
allow anne    leaptest days=wed-thu
allow #1030   analysis
MAP

bold "The map: /etc/spice-connect.map (root:spicegrp 0640, a private copy in this namespace)"
grep -v '^#' /etc/spice-connect.map | sed '/^$/d; s/^/    /'
bold "Installed: launcher root:spicegrp 2755, viewer root:spicegrp 0750"
ls -l "$SC" "$OFFICE/bin/remote-viewer" | awk '{print "    " $1, $3 ":" $4, $NF}'
bold "Now it is $(TZ=Europe/Berlin date '+%A %H:%M %Z') in the map's zone (Europe/Berlin)"

users="myself carol maggie anne ralph mybro"
vms="debianx leaptest analysis"
bold "Access matrix: spice-connect --dry-run VM, as each user, now"
printf '    %-8s' user; for vm in $vms; do printf ' %-24s' "$vm"; done; echo
for u in $users; do
    printf '    %-8s' "$u"
    for vm in $vms; do
        err=$(as_user "$u" env -i "$SC" --dry-run "$vm" 2>&1 >/dev/null); rc=$?
        if [ $rc = 0 ]; then cell="OPEN now"
        elif grep -q 'open to you only' <<< "$err"; then cell="closed (only $(sed -n 's/.*open to you only \([^;]*\);.*/\1/p' <<< "$err"))"
        else cell="-"; fi
        printf ' %-24s' "$cell"
    done
    echo
done

bold "Each user clicks \"SPICE console\" (spice-connect without arguments)"
for u in $users; do
    out=$(as_user "$u" env -i DISPLAY=:0 LANG=C.UTF-8 LD_PRELOAD=/tmp/evil.so GTK_MODULES=evil "$SC" 2>&1); rc=$?
    if [ $rc = 0 ]; then
        uri=$(grep '^REC argv' <<< "$out" | tail -1 | cut -d= -f2-)
        ids=$(grep -E '^REC (uids|gids)' <<< "$out" | sed 's/^REC //' | tr '\n' ' ')
        caps=$(grep '^REC status CapEff' <<< "$out" | awk '{print $4}')
        envs=$(grep '^REC env' <<< "$out" | sed 's/^REC env //; s/=.*//' | tr '\n' ' ')
        printf '    %-8s exit 0: viewer started for %s\n             %s CapEff=%s\n             environment: %s\n' "$u" "$uri" "$ids" "$caps" "$envs"
    else
        printf '    %-8s exit %s: %s\n' "$u" "$rc" "$out"
    fi
done

bold "maggie lists her consoles (spice-connect --list)"
as_user maggie env -i "$SC" --list | sed 's/^/    /'

bold "ralph's exact viewer command (spice-connect --dry-run)"
as_user ralph env -i "$SC" --dry-run | sed 's/^/    /'

bold "Attempts that are refused"
try() {  # label user args...
    local label=$1 u=$2; shift 2
    out=$(as_user "$u" "$@" 2>&1); rc=$?
    printf '    %-44s exit %s: %s\n' "$label" "$rc" "$(head -1 <<< "$out")"
}
try "mybro names debianx (myself's VM)" mybro env -i "$SC" debianx
try "anne smuggles a URI" anne env -i "$SC" 'spice://mysrv.example.org?tls-port=20002'
try "anne smuggles an option" anne env -i "$SC" --spice-ca-file=/tmp/mine.pem
try "maggie via sudo for myself (SUDO_UID)" maggie env -i SUDO_UID=1021 "$SC"
# The viewer is 0750 root:spicegrp. Run through env (a program of the
# user): setpriv itself calls execve still holding CAP_DAC_OVERRIDE
# (PR_SET_KEEPCAPS), so the kernel's permission check would pass (an
# earlier version of this demo took that for a kernel that ignores the mode).
try "mybro runs remote-viewer directly" mybro env "$OFFICE/bin/remote-viewer" spice://mysrv.example.org?tls-port=20002
chmod 0664 /etc/spice-connect.map
try "myself, after the map became group-writable" myself env -i "$SC"
chmod 0640 /etc/spice-connect.map

bold "The decisions in syslog (authpriv)"
sed 's/^<[0-9]*>//; s/^/    /' "$OFFICE/log/syslog" | tail -12
echo
echo "All of this ran in private mount and network namespaces; the host's users, groups, /etc and network are unchanged."
