#!/bin/bash
# Integration tests of the setgid launcher with real users, a real setgid
# install and a recording stand-in viewer, all inside a private mount
# namespace (see office.sh) and a private network namespace whose loopback
# carries the map's VM hosts (office_consoles). Usage, as root:
#   unshare --mount --net --propagation private bash launcher_test.sh LAUNCHER RECORDER EXEC_WITHOUT_ARGV
set -u
here=$(dirname "$(readlink -f "$0")")
. "$here/../lib/office.sh"
. "$here/../lib/assert.sh"
LAUNCHER_BIN=$(readlink -f "$1"); RECORDER_BIN=$(readlink -f "$2"); ARGC0_BIN=$(readlink -f "$3")

work=$(mktemp -d /tmp/spice-connect-test.XXXXXX)
trap 'kill "${USERNS_PID:-}" 2>/dev/null; rm -f "$USERNS_PID_FILE"; office_teardown "$work"' EXIT
office_setup "$work"
office_syslog_start
# The VM hosts of the map, inside this test's network namespace: the
# launcher connects to a granted console before it starts the viewer.
office_consoles 20002 20003 20004 20005 20006 20008
require_tools nft:nftables || finish
office_install_launcher "$LAUNCHER_BIN"
office_install_viewer "$RECORDER_BIN"
install -m 0755 "$ARGC0_BIN" "$OFFICE/bin/exec-without-argv"
SC=$OFFICE/bin/spice-connect

# Times are computed in the map's zone; the callers set another zone
# 25 hours apart, so "today" differs between the two.
MAP_TZ=Pacific/Kiritimati
CALLER_TZ=Pacific/Pago_Pago
# Do not straddle midnight in the map's zone during the run.
while [ "$(TZ=$MAP_TZ date +%H%M)" -ge 2358 ]; do sleep 5; done
day() { TZ=$1 date +%a | tr A-Z a-z; }
TODAY=$(day $MAP_TZ)
CALLER_TODAY=$(day $CALLER_TZ)
OTHER_DAYS=$(for d in mon tue wed thu fri sat sun; do [ "$d" != "$TODAY" ] && printf '%s,' "$d"; done); OTHER_DAYS=${OTHER_DAYS%,}
H=$((10#$(TZ=$MAP_TZ date +%H)))
hh() { printf '%02d:00' $(( ($1 + 24) % 24 )); }
CLOSED_START=$(hh $((H + 2))); CLOSED_END=$(hh $((H + 3))); [ "$CLOSED_END" = 00:00 ] && CLOSED_END=24:00
OPEN_START=$(hh $((H - 1))); OPEN_END=$(hh $((H + 2)))

write_test_map() {
office_write_map <<MAP
# integration test map
set label "2026-12-01 r42"
set viewer $OFFICE/bin/remote-viewer
set group spicegrp
set timezone $MAP_TZ
set ports 20001-20010
vm debianx  host=mysrv.example.org tls-port=20002 ca=/etc/spice-connect/ca.pem subject="C=DE,O=Example,CN=mysrv"
vm leaptest host=192.0.2.2 tls-port=20004 title="Web test server"
vm analysis host=2001:db8::2 tls-port=20006 kiosk fullscreen usbredir=no audio=no
vm usbvm    host=usb.example.org tls-port=20008 usbredir=yes
allow myself  debianx
allow %boss   debianx  days=$TODAY
allow maggie  leaptest days=$TODAY
allow anne    leaptest days=$OTHER_DAYS
allow #1030   analysis
allow usbuser usbvm
allow twovm   debianx
allow twovm   leaptest
allow tzuser  leaptest days=$CALLER_TODAY
allow hourly  leaptest hours=$CLOSED_START-$CLOSED_END
allow hourly2 debianx  hours=$OPEN_START-$OPEN_END
allow twin    debianx
MAP
}
write_test_map

# launch USER [VAR=VALUE...] [-- ARGS...]: the launcher as USER with exactly these variables.
launch() {
    local user=$1; shift
    local vars=()
    while [ $# -gt 0 ] && [ "$1" != -- ]; do vars+=("$1"); shift; done
    [ "${1:-}" = -- ] && shift
    run_capture as_user "$user" env -i "${vars[@]}" "$SC" "$@"
}
rec() { grep '^REC ' <<< "$OUT$ERR" | sed 's/^REC //'; }
rec_field() { rec | grep "^$1" ; }

# A user namespace myself makes outside the launcher (setgroups denied, as
# an unprivileged gid map needs): the recording viewer tries to map the
# launcher's group into it through /proc/PID/gid_map. (setpriv directly:
# a shell function in the background would leave $! a subshell's pid.)
USERNS_PID_FILE=/tmp/spice-connect-test-userns.pid
setpriv --reuid=myself --regid="$(id -g myself)" --init-groups -- unshare --user --setgroups deny sleep 600 &
USERNS_PID=$!
echo "$USERNS_PID" > "$USERNS_PID_FILE"

echo "# granted user: argv, environment, ids, capabilities, descriptors"
launch myself DISPLAY=:7 XAUTHORITY=/home/myself/.Xauthority LANG=de_DE.UTF-8 TERM=xterm \
    LD_PRELOAD=/tmp/evil.so LD_LIBRARY_PATH=/tmp GTK_MODULES=/tmp/evil.so GTK_PATH=/tmp \
    GIO_EXTRA_MODULES=/tmp GST_PLUGIN_PATH=/tmp XDG_DATA_DIRS=/tmp PATH=/tmp HOME=/tmp TZ=UTC SHELL=/tmp/sh
expect_rc "myself opens debianx" 0
expect_equal "exact argv for debianx" "$(rec_field argv | tr '\n' ' ')" \
  "argv[0]=remote-viewer argv[1]=--spice-ca-file=/etc/spice-connect/ca.pem argv[2]=--spice-host-subject=C=DE,O=Example,CN=mysrv argv[3]=--spice-disable-usbredir argv[4]=--spice-secure-channels=all argv[5]=-- argv[6]=spice://mysrv.example.org?tls-port=20002 "
expect_equal "environment rebuilt from the allowlist and passwd" "$(rec_field env | tr '\n' ' ')" \
  "env DISPLAY=:7 env HOME=/home/myself env LANG=de_DE.UTF-8 env LOGNAME=myself env PATH=/usr/local/bin:/usr/bin:/bin env SHELL=/bin/bash env TERM=xterm env USER=myself env XAUTHORITY=/home/myself/.Xauthority "
expect_equal "uid stays the caller's" "$(rec_field uids)" "uids 1021 1021 1021"
expect_equal "all three gids are spicegrp" "$(rec_field gids)" "gids 4900 4900 4900"
expect_equal "supplementary groups are the caller's" "$(rec_field groups)" "groups 1021 4902"
expect_equal "no capabilities in any set" "$(rec_field 'status Cap' | grep -v CapBnd | awk '{print $3}' | sort -u)" "0000000000000000"
expect_equal "no_new_privs set" "$(rec_field 'status NoNewPrivs' | awk '{print $3}')" "1"
expect_equal "umask keeps group and others out" "$(rec_field umask)" "umask 0077"
expect_equal "only descriptors 0-2 reach the viewer" "$(rec_field fd | awk '{print $2}' | tr '\n' ' ')" "0 1 2 "
expect_equal "the viewer runs under the launcher's seccomp filter" "$(rec_field 'status Seccomp:' | awk '{print $3}')" "2"
# The viewer runs with gid spicegrp: a set-id file it made would hand the
# group to anyone. Plain modes pass; every way to a set-id bit is refused.
expect_equal "viewer: set-id files refused, plain modes allowed" "$(rec_field setid | tr '\n' ' ')" \
  "setid chmod(0750)=ok setid chmod(02755)=EPERM setid chmod(04755)=EPERM setid fchmod(02755)=EPERM setid fchmodat(02755)=EPERM setid fchmodat2(02755)=EPERM setid open(O_CREAT,0600)=ok setid open(O_CREAT,02755)=EPERM setid openat(O_CREAT,04755)=EPERM setid openat(O_TMPFILE,02755)=EPERM setid creat(02755)=EPERM setid mknod(S_IFREG|02755)=EPERM setid mknodat(02755)=EPERM setid openat2=ENOSYS setid io_uring_setup=ENOSYS setid unshare(CLONE_NEWUSER)=EPERM setid setns=EPERM setid clone3=ENOSYS setid gid_map of an outside user namespace=EACCES setid left none "
syslog() { tap_field syslog "$(cat "$OFFICE/log/syslog")"; }
grep -q 'spice-connect\[[0-9]*\]: myself (uid 1021): granted vm=debianx uri=spice://mysrv.example.org?tls-port=20002 map-sha256=[0-9a-f]\{64\} label="2026-12-01 r42"' "$OFFICE/log/syslog"
expect_true "grant logged to syslog (authpriv)" $? "" "$(syslog)"
grep -q '^<8[0-7]>' "$OFFICE/log/syslog"
expect_true "syslog facility authpriv" $? "" "$(syslog)"

echo "# default deny"
launch mybro DISPLAY=:7
expect_rc "mybro has no console" 1
expect_err "mybro is told whom to ask" "no SPICE console is granted to you (mybro); ask your administrator"
expect_equal "viewer not started for mybro" "$(rec)" ""
launch mybro DISPLAY=:7 -- debianx
expect_rc "mybro may not open debianx" 1
grep -q 'mybro (uid 1022): refused: no SPICE console' "$OFFICE/log/syslog"
expect_true "denial logged" $? "" "$(syslog)"

echo "# %group, #UID, options, usbredir"
launch carol DISPLAY=:7
expect_rc "carol (member of %boss) opens debianx today" 0
expect_equal "carol's uid" "$(rec_field uids)" "uids 1025 1025 1025"
launch dana DISPLAY=:7
expect_rc "dana (boss as her primary group only) opens debianx today" 0
launch mybro DISPLAY=:7 -- debianx
expect_rc "mybro (in neither) still may not" 1
launch ralph DISPLAY=:7
expect_rc "ralph (#1030) opens analysis" 0
expect_equal "kiosk/fullscreen/audio options, IPv6 in brackets" "$(rec_field argv | tr '\n' ' ')" \
  "argv[0]=remote-viewer argv[1]=--kiosk argv[2]=--kiosk-quit=on-disconnect argv[3]=--full-screen argv[4]=--spice-disable-usbredir argv[5]=--spice-disable-audio argv[6]=--spice-secure-channels=all argv[7]=-- argv[8]=spice://[2001:db8::2]?tls-port=20006 "
# usbuser's own user namespace made outside, for the gid map attempt below.
setpriv --reuid=usbuser --regid="$(id -g usbuser)" --init-groups -- unshare --user --setgroups deny sleep 600 &
USBUSER_NS_PID=$!
echo "$USBUSER_NS_PID" > "$USERNS_PID_FILE"
launch usbuser DISPLAY=:7
kill "$USBUSER_NS_PID"; wait "$USBUSER_NS_PID" 2>/dev/null; echo "$USERNS_PID" > "$USERNS_PID_FILE"
expect_rc "usbuser opens usbvm" 0
expect_equal "usbredir=yes: no_new_privs left off for the USB helper" "$(rec_field 'status NoNewPrivs' | awk '{print $3}')" "0"
expect_equal "usbredir=yes: no disable option" "$(rec_field argv | grep -c usbredir)" "0"
# The filter needs no_new_privs, which would stop the setuid USB helper:
# with usbredir=yes the kernel lets the viewer make set-id files (the audit
# finds them). Each attempt that the filter refuses above really makes a
# set-id file here ("setid"): the filter is what refuses them.
expect_equal "usbredir=yes: no seccomp filter" "$(rec_field 'status Seccomp:' | awk '{print $3}')" "0"
expect_equal "usbredir=yes: the kernel alone allows each set-id file (what the filter stops)" "$(rec_field setid | tr "\n" " ")" \
  "setid chmod(0750)=ok setid chmod(02755)=setid setid chmod(04755)=setid setid fchmod(02755)=setid setid fchmodat(02755)=setid setid fchmodat2(02755)=setid setid open(O_CREAT,0600)=ok setid open(O_CREAT,02755)=setid setid openat(O_CREAT,04755)=setid setid openat(O_TMPFILE,02755)=setid setid creat(02755)=setid setid mknod(S_IFREG|02755)=setid setid mknodat(02755)=setid setid openat2=EINVAL setid io_uring_setup=EFAULT setid unshare(CLONE_NEWUSER)=ok setid setns=EBADF setid clone3=EINVAL setid gid_map of an outside user namespace=ok setid left none "
launch maggie DISPLAY=:7 -- leaptest
expect_rc "maggie opens leaptest by name" 0
expect_out "title passed glued to its option" "REC argv[1]=--title=Web test server"

echo "# a name NSS knows twice: the grant by name belongs to the uid the name resolves to"
echo "twin:x:1041:1041:first twin:/home/twin:/bin/bash" >> /etc/passwd
echo "twin:x:1042:1042:second twin:/home/twin:/bin/bash" >> /etc/passwd
run_capture setpriv --reuid=1041 --regid=1041 --clear-groups env -i DISPLAY=:7 "$SC"
expect_rc "uid 1041 (what 'twin' resolves to) opens debianx" 0
run_capture setpriv --reuid=1042 --regid=1042 --clear-groups env -i DISPLAY=:7 "$SC"
expect_rc "uid 1042, also called 'twin', is denied" 1

echo "# time windows in the map's zone, whatever TZ the caller sets"
launch maggie DISPLAY=:7 TZ=$CALLER_TZ
expect_rc "maggie ($TODAY in $MAP_TZ) granted although her TZ says $CALLER_TODAY" 0
launch tzuser DISPLAY=:7 TZ=$CALLER_TZ
expect_rc "tzuser ($CALLER_TODAY only) denied: the caller's TZ is ignored" 1
expect_err "tzuser is told the window" "none of your consoles is open now: leaptest ($CALLER_TODAY)"
launch tzuser DISPLAY=:7 TZ=:/etc/localtime TZDIR=/tmp
expect_rc "TZ/TZDIR pointing at files change nothing" 1
launch anne DISPLAY=:7
expect_rc "anne (not $TODAY) denied" 1
expect_err "anne is told when and the time in the map's zone" "none of your consoles is open now: leaptest ("
expect_err "anne is told the map's zone" "($MAP_TZ)"
launch hourly DISPLAY=:7 -- leaptest
expect_rc "hourly ($CLOSED_START-$CLOSED_END) denied now" 1
expect_err "hourly is told the hours" "open to you only $CLOSED_START-$CLOSED_END"
launch hourly2 DISPLAY=:7
expect_rc "hourly2 ($OPEN_START-$OPEN_END) granted now" 0

echo "# choosing among several VMs"
launch twovm DISPLAY=:7
expect_rc "two open VMs and no choice is a usage error" 2
expect_err "twovm is told the choices" "several consoles are open to you now (debianx, leaptest)"
launch twovm DISPLAY=:7 -- leaptest
expect_rc "twovm chooses leaptest" 0
expect_out "twovm got leaptest" "spice://192.0.2.2?tls-port=20004"
launch twovm -- --list
expect_rc "--list works" 0
expect_out "--list names debianx" "debianx"
expect_out "--list says open now" "open now"
expect_out "--list names the map's label (which version, for a call to the administrator)" "Version of the console list: 2026-12-01 r42"
launch twovm -- --list --porcelain
expect_rc "--list --porcelain works" 0
expect_equal "--list --porcelain: one tab-separated line per VM" "$OUT" "$(printf 'debianx\topen\talways\nleaptest\topen\talways')"
launch twovm -- --porcelain
expect_rc "--porcelain alone is a usage error" 2
launch anne -- --list
expect_out "--list shows only the caller's VMs" "leaptest"
expect_no_out "--list hides others' VMs" "debianx"
launch myself -- --dry-run
expect_rc "--dry-run decides without exec" 0
expect_out "--dry-run prints the argv" "argv: remote-viewer --spice-ca-file=/etc/spice-connect/ca.pem"
expect_equal "--dry-run starts no viewer" "$(rec)" ""

echo "# hostile callers"
launch maggie DISPLAY=:7 SUDO_UID=1021
expect_rc "SUDO_UID of another user refused" 1
expect_err "SUDO_UID message" "SUDO_UID differs"
launch maggie DISPLAY=:7 SUDO_UID=1023abc
expect_rc "malformed SUDO_UID refused" 1
launch maggie DISPLAY=:7 SUDO_UID=1023
expect_rc "SUDO_UID equal to the caller accepted" 0
for smuggle in 'spice://evil.example.org?tls-port=20002' '--spice-ca-file=/tmp/x' 'debianx?tls-port=1' '../debianx' 'a b' '-'; do
    launch myself DISPLAY=:7 -- "$smuggle"
    expect_rc "VM name '$smuggle' refused as usage" 2
done
launch myself DISPLAY=:7 -- -- --list
expect_rc "'--list' after -- is not a VM name" 2
launch myself DISPLAY=:7 -- debianx leaptest
expect_rc "two VM names refused" 2
run_capture as_user myself "$OFFICE/bin/exec-without-argv" "$SC" DISPLAY=:7
expect_rc "argc == 0 refused" 2
expect_equal "argc == 0 starts no viewer" "$(rec)" ""
OUT=$(as_user myself env -i DISPLAY=:7 "$SC" 0<&- 2>/dev/null); RC=$?
expect_rc "closed stdin" 0
# glibc itself opens /dev/full for a closed stdin of a set-id program;
# the launcher's own reopen covers the rest: either way it is not closed.
expect_equal "closed stdin is not left closed" "$(grep -cE '^REC fd 0 /dev/(full|null)$' <<< "$OUT")" "1"
ERR=$(as_user myself env -i DISPLAY=:7 "$SC" 2>&1 1>&- 0</dev/null); RC=$?
expect_equal "closed stdout reopened on /dev/null" "$(grep '^REC fd 1' <<< "$ERR")" "REC fd 1 /dev/null"
OUT=$(as_user myself env -i DISPLAY=:7 "$SC" 3</etc/passwd 7>/dev/null 9<"$OFFICE/bin/remote-viewer" 2>&1); RC=$?
expect_equal "inherited fds 3, 7, 9 closed before exec" "$(grep '^REC fd' <<< "$OUT" | awk '{print $3}' | tr '\n' ' ')" "0 1 2 "
run_capture as_user myself env -i DISPLAY=:7 bash -c "ulimit -n 5; exec $SC"
expect_rc "hard RLIMIT_NOFILE=5 fails closed as a system error" 4
expect_err "fd limit: message" "limit on open files"
expect_equal "no viewer with a crippled fd limit" "$(rec)" ""
run_capture as_user myself env -i DISPLAY=:7 bash -c "ulimit -Sn 5; exec $SC"
expect_rc "soft RLIMIT_NOFILE=5 is raised and works" 0
run_capture as_user myself bash -c "ulimit -c unlimited; umask 000; exec env -i DISPLAY=:7 $SC"
expect_rc "core limit and umask from the caller" 0
expect_equal "umask 000 from the caller still masks group and others" "$(rec_field umask)" "umask 0077"
run_capture env -i DISPLAY=:7 "$SC"
expect_rc "root is refused (holds capabilities)" 3
expect_err "root told why" "holds capabilities"

echo "# no display: refused before anything is granted"
launch myself
expect_rc "no DISPLAY or WAYLAND_DISPLAY: a usage error" 2
expect_err "no display: the user is told where to start it" "no graphical display to show the console on (neither DISPLAY nor WAYLAND_DISPLAY is set); start spice-connect from your desktop session"
expect_equal "no display: no viewer" "$(rec)" ""
expect_equal "no display: no grant logged" "$(tail -1 "$OFFICE/log/syslog" | grep -c 'granted')" "0"
launch myself DISPLAY= WAYLAND_DISPLAY=
expect_rc "empty DISPLAY and WAYLAND_DISPLAY: no display either" 2
expect_equal "empty display variables: no viewer" "$(rec)" ""
launch myself WAYLAND_DISPLAY=wayland-0
expect_rc "WAYLAND_DISPLAY alone is a display" 0
launch anne -- -l
expect_out "-l is --list" "leaptest"

echo "# the console must answer from this network before the viewer starts"
# All inside this test's network namespace: loopback carries the office's
# hosts; 198.51.100.9 has no route; 203.0.113.9 has one, and a drop rule
# lets nothing come back; 203.0.113.10 has a prohibit route (this computer
# refuses to send); nothing listens on 192.0.2.2 port 20009 (a VM off).
ip route add 203.0.113.9/32 dev lo
ip route add prohibit 203.0.113.10/32
nft -f - <<'NFT'
table inet launcher_test {
    chain output {
        type filter hook output priority filter; policy accept;
        ip daddr 203.0.113.9 drop
        # Only sockets of the launcher's group reach port 20005: the check
        # must be made as the viewer will connect, with that group.
        tcp dport 20005 meta skgid != 4900 reject with tcp reset
    }
}
NFT
printf '198.51.100.9 mixed.example.org\n192.0.2.2 mixed.example.org\n' >> /etc/hosts
write_test_map
cat >> /etc/spice-connect.map <<'MAP'
vm elsewhere host=elsewhere.example.org tls-port=20002
vm noroute   host=198.51.100.9 tls-port=20002
vm silent    host=203.0.113.9 tls-port=20002
vm prohibit  host=203.0.113.10 tls-port=20002
vm off       host=192.0.2.2 tls-port=20009
vm mixed     host=mixed.example.org tls-port=20004
vm group     host=192.0.2.2 tls-port=20005
allow mybro elsewhere
allow mybro noroute
allow mybro silent
allow mybro prohibit
allow mybro off
allow mybro mixed
allow mybro group
MAP
unreachable() { echo "spice-connect: the console of $1 cannot be reached from this network. If you are outside the office, connect to the office network (VPN) first; otherwise ask your administrator."; }
launch_logged() {  # NAME NEEDLE: the last line the launcher logged holds NEEDLE
    tap_holds syslog "$1" "$(grep 'spice-connect\[' "$OFFICE/log/syslog" | tail -1)" "$2"
}
launch mybro DISPLAY=:7 -- elsewhere
expect_rc "a name unknown on this network: a system condition" 4
expect_equal "unknown name: the user reads plain words" "$ERR" "$(unreachable elsewhere)"
launch_logged "unknown name: the log names host, port and reason" \
    "mybro (uid 1022): refused: VM 'elsewhere' at elsewhere.example.org port 20002 is unreachable: the host name does not resolve on this network"
expect_equal "unknown name: no viewer" "$(rec)" ""
launch mybro DISPLAY=:7 -- noroute
expect_rc "no route to the host" 4
expect_equal "no route: the user reads plain words" "$ERR" "$(unreachable noroute)"
launch_logged "no route: the log says so, with the address" "is unreachable: no route to the host from this network (198.51.100.9: Network is unreachable)"
expect_equal "no route: no viewer" "$(rec)" ""
started=$(date +%s%N)
launch mybro DISPLAY=:7 -- silent
waited=$(( ($(date +%s%N) - started) / 1000000 ))
expect_rc "no answer from the host" 4
expect_equal "no answer: the user reads plain words" "$ERR" "$(unreachable silent)"
launch_logged "no answer: the log says how long it waited" "is unreachable: no answer within 2000 ms (203.0.113.9: no answer)"
expect_true "no answer: the launcher gave up after its 2 s deadline (waited $waited ms)" \
    "$([ "$waited" -ge 1900 ] && [ "$waited" -lt 4000 ]; echo $?)"
expect_equal "no answer: no viewer" "$(rec)" ""
launch mybro DISPLAY=:7 -- off
expect_rc "the host resets the console's port (VM off)" 4
expect_equal "VM off: the user reads plain words" "$ERR" \
    "spice-connect: the console of off is not answering: the VM may be switched off. Try again in a minute; if it still does not answer, ask your administrator."
launch_logged "VM off: the log says a reset, and that this computer's rules may be the cause" \
    "is unreachable: the connection was reset: the VM's console is not listening, or a firewall reset it (this computer's rules reset what they do not grant"
expect_equal "VM off: no viewer" "$(rec)" ""
launch mybro DISPLAY=:7 -- prohibit
expect_rc "this computer refuses to send it: a configuration error" 3
expect_equal "refused by this computer: the user reads plain words" "$ERR" \
    "spice-connect: this computer's firewall does not let you reach the console of prohibit. Please tell your administrator (the system log says what is wrong)."
launch_logged "refused by this computer: the log says the rules and the map disagree" \
    "this computer refused to send the connection (a firewall rule, a prohibit route or a security module): its rules and the map disagree (203.0.113.10: Permission denied)"
expect_equal "refused by this computer: no viewer" "$(rec)" ""
launch mybro DISPLAY=:7 -- mixed
expect_rc "a name with one dead and one live address opens" 0
expect_out "mixed: the viewer got the map's URI" "spice://mixed.example.org?tls-port=20004"
launch mybro DISPLAY=:7 -- group
expect_rc "the check connects with the launcher's group, as the viewer will (port 20005 only lets that group through)" 0
out=$(as_user mybro bash -c 'exec 3<>/dev/tcp/192.0.2.2/20005' 2>&1)
expect_has "mybro's own connection to port 20005 is reset (the rule works)" "$out" "refused"
write_test_map
nft delete table inet launcher_test

# Faults of the installation: the office user reads what happened and whom
# to tell; the administrator's details go to syslog (authpriv).
expect_logged() {  # NAME NEEDLE: the last line the launcher logged holds NEEDLE
    tap_holds syslog "$1" "$(grep 'spice-connect\[' "$OFFICE/log/syslog" | tail -1)" "$2"
}
plain_map="spice-connect: the list of consoles on this computer cannot be used, so no console can be opened. Please tell your administrator (the system log says what is wrong)."
plain_viewer="spice-connect: the console program of this computer is not installed correctly, so no console can be opened. Please tell your administrator (the system log says what is wrong)."
plain_launcher="spice-connect: spice-connect is not installed correctly on this computer, so no console can be opened. Please tell your administrator (the system log says what is wrong)."

echo "# the map: missing, a symlink, wrong owner, writable, broken"
map=/etc/spice-connect.map
check_map_refused() {  # name needle
    launch myself DISPLAY=:7
    expect_rc "$1" 3
    expect_equal "$1: the user reads plain words" "$ERR" "$plain_map"
    expect_logged "$1: the log says why" "$2"
    expect_equal "$1: no viewer" "$(rec)" ""
}
rm -f $map
check_map_refused "map missing" "does not exist"
write_test_map; mv $map /etc/real.map; ln -s /etc/real.map $map
check_map_refused "map is a symlink" "symbolic link"
rm -f $map /etc/real.map
write_test_map; chown myself $map
check_map_refused "map owned by a user" "is owned by uid 1021, not root"
write_test_map; chmod 0660 $map
check_map_refused "map group-writable" "writable by group or others (mode 0660); expected 0640 root:spicegrp or 0644 root:root"
write_test_map; chmod 0646 $map
check_map_refused "map world-writable" "writable by group or others (mode 0646)"
write_test_map; chmod 0600 $map
check_map_refused "map unreadable by the group" "not readable by the launcher's group"
write_test_map; echo 'vm broken host=bad_host tls-port=20009' >> $map
check_map_refused "map with an error grants nothing" "/etc/spice-connect.map:23:16: error: bad host"
write_test_map; echo 'allow myself nosuchvm' >> $map
check_map_refused "grant for an undefined VM fails the whole map" "VM 'nosuchvm' is not defined"
write_test_map; chown root:root $map; chmod 0644 $map
launch myself DISPLAY=:7
expect_rc "map 0644 root:root accepted" 0
write_test_map; sed -i 's/^set group spicegrp/set group boss/' $map
check_map_refused "map group differs from the launcher's group" "is not the map's group 'boss'"
write_test_map

echo "# clients=: one map for a fleet, decided by this client's host name (a private UTS namespace)"
office_netgroups 'frontdesk (reception-2,,) (reception-3.office.example,,)'
{ cat /etc/spice-connect.map; printf '%s\n' 'allow mybro leaptest clients=reception-*' \
      'allow mybro analysis clients=+frontdesk' 'allow maggie analysis clients=office-1,pc-9'; } > "$OFFICE/scoped.map"
office_write_map < "$OFFICE/scoped.map"
# launch_on HOST USER [ARGS...]: the launcher on a client called HOST.
launch_on() {
    local host=$1 user=$2; shift 2
    run_capture unshare --uts sh -c 'h=$1 u=$2 sc=$3; shift 3; hostname "$h" &&
        exec setpriv --reuid="$u" --regid="$(id -g "$u")" --init-groups -- env -i DISPLAY=:7 "$sc" "$@"' \
        sh "$host" "$user" "$SC" "$@"
}
launch_on reception-1 mybro leaptest
expect_rc "clients=reception-*: mybro opens leaptest on reception-1" 0
launch_on Reception-1.office.example mybro leaptest
expect_rc "clients=reception-*: the first label counts, without regard to case" 0
launch_on office-1 mybro leaptest
expect_rc "clients=reception-*: mybro may not open leaptest on office-1" 1
expect_equal "on another client: the user is told where the VM is theirs" "$ERR" \
  "spice-connect: VM 'leaptest' is granted to you on other workstations, not on this one (office-1); use one of those, or ask your administrator if you need it here"
expect_logged "on another client: the log names the client" "office-1"
launch_on office-1 mybro --list --porcelain
expect_equal "--list on office-1 shows nothing of reception-*" "$OUT" ""
launch_on reception-1 mybro --list --porcelain
expect_equal "--list on reception-1 shows leaptest" "$OUT" "leaptest	open	always"
launch_on reception-2 mybro analysis
expect_rc "clients=+frontdesk: reception-2 is in the netgroup (NSS files)" 0
launch_on reception-3.office.example mybro analysis
expect_rc "clients=+frontdesk: a fully qualified member of the netgroup" 0
launch_on reception-1 mybro analysis
expect_rc "clients=+frontdesk: reception-1 is not in the netgroup" 1
launch_on pc-9 maggie analysis
expect_rc "clients=office-1,pc-9: the second entry" 0
launch_on pc-99 maggie analysis
expect_rc "clients=office-1,pc-9: no prefix match" 1
launch_on pc-99 maggie leaptest
expect_rc "an unscoped grant holds on every client" 0
# A user may name their machine only in a UTS namespace of a user namespace
# of their own: there the launcher's group is not mapped, so the kernel
# does not give it, and nothing starts.
run_capture as_user mybro env -i DISPLAY=:7 unshare --user --map-root-user --uts sh -c 'hostname reception-1 && exec "$0" leaptest' "$SC"
expect_rc "a user's own host name (user + UTS namespace) opens nothing" 3
expect_equal "a user's own host name: nothing started" "$(rec)" ""
write_test_map
echo "# drop-ins: /etc/spice-connect.map.d/*.map, read after the map as one map"
dropins=/etc/spice-connect.map.d
write_drop_in() {  # NAME: stdin becomes $dropins/NAME, root:spicegrp 0640
    rm -f "$dropins/$1"
    cat >"$dropins/$1"
    chown root:spicegrp "$dropins/$1"
    chmod 0640 "$dropins/$1"
}
# The digest the launcher logs with drop-ins: the main text and each
# drop-in's name and text, every piece length-prefixed (policy/map_digest).
piece() { printf '%d:' "$(stat -c %s "$1")"; cat "$1"; printf ','; }
digest_with_drop_ins() {
    { printf 'spice-connect map with drop-ins\n'; piece $map
      for f in "$@"; do printf '%d:%s,' ${#f} "$f"; piece "$dropins/$f"; done; } | sha256sum | cut -d' ' -f1
}
launch mybro DISPLAY=:7 -- labvm
expect_rc "without drop-ins mybro has nothing" 1
install -d -o root -g root -m 0755 $dropins
write_drop_in 10-lab.map <<'MAP'
# the lab team's file
vm labvm host=192.0.2.2 tls-port=20003
allow mybro labvm
MAP
write_drop_in 20-more.map <<'MAP'
allow mybro debianx
MAP
# Never read: a set line in a drop-in is an error, so reading these would refuse everyone.
echo 'set viewer /bin/sh' >"$dropins/10-lab.map~"
echo 'set viewer /bin/sh' >"$dropins/team.conf"
chmod 0666 "$dropins/10-lab.map~"
launch mybro DISPLAY=:7 -- labvm
expect_rc "a grant in a drop-in opens its VM" 0
expect_out "the drop-in's VM and address" "spice://192.0.2.2?tls-port=20003"
expect_logged "the log names the map's version with its drop-ins" "map-sha256=$(digest_with_drop_ins 10-lab.map 20-more.map) "
launch mybro -- --list --porcelain
expect_equal "--list: a drop-in's grants of its own VM and of the main map's, in the VMs' order" "$OUT" "$(printf 'debianx\topen\talways\nlabvm\topen\talways')"
launch myself DISPLAY=:7
expect_rc "the main map's grants still work beside drop-ins (names ending otherwise are ignored)" 0
rm -f "$dropins/10-lab.map~" "$dropins/team.conf"
check_drop_in_refused() {  # name needle: as check_map_refused, the log naming the drop-in
    check_map_refused "$1" "$2"
}
write_drop_in 30-bad.map <<<'allow mybro nosuchvm'
check_drop_in_refused "an error in a drop-in grants nothing" "/etc/spice-connect.map.d/30-bad.map:1:13: error: VM 'nosuchvm' is not defined"
write_drop_in 30-bad.map <<<'set require-firewall no'
check_drop_in_refused "a set line in a drop-in" "/etc/spice-connect.map.d/30-bad.map:1:1: error: settings belong in the main map /etc/spice-connect.map"
write_drop_in 30-bad.map <<<'vm labvm host=192.0.2.10 tls-port=20010'
check_drop_in_refused "a VM defined in two files" "VM 'labvm' is defined twice (first on /etc/spice-connect.map.d/10-lab.map:2)"
rm -f "$dropins/30-bad.map"
chmod 0646 "$dropins/20-more.map"
check_drop_in_refused "a drop-in writable by others" "the access map's drop-in /etc/spice-connect.map.d/20-more.map is writable by group or others (mode 0646)"
chmod 0640 "$dropins/20-more.map"; chown myself "$dropins/20-more.map"
check_drop_in_refused "a drop-in owned by a user" "the access map's drop-in /etc/spice-connect.map.d/20-more.map is owned by uid 1021, not root"
chown root "$dropins/20-more.map"; chmod 0600 "$dropins/20-more.map"
check_drop_in_refused "a drop-in the launcher's group cannot read" "drop-in /etc/spice-connect.map.d/20-more.map is not readable by the launcher's group"
chmod 0640 "$dropins/20-more.map"
ln -s 20-more.map "$dropins/40-link.map"
check_drop_in_refused "a drop-in that is a symbolic link" "the access map's drop-in /etc/spice-connect.map.d/40-link.map is a symbolic link, which is not trusted"
rm "$dropins/40-link.map"; mkfifo -m 0640 "$dropins/x.map"
check_drop_in_refused "a FIFO named x.map (refused, not waited on)" "the access map's drop-in /etc/spice-connect.map.d/x.map is not a regular file"
rm "$dropins/x.map"; chmod 0777 $dropins
check_drop_in_refused "the drop-in directory writable by others" "the access map's drop-in directory /etc/spice-connect.map.d is writable by group or others (mode 0777); expected root:root 0755"
chmod 1777 $dropins
check_drop_in_refused "the drop-in directory sticky and writable by all" "drop-in directory /etc/spice-connect.map.d is writable by group or others (mode 1777)"
chmod 0755 $dropins; chown myself $dropins
check_drop_in_refused "the drop-in directory owned by a user" "drop-in directory /etc/spice-connect.map.d is owned by uid 1021, not root"
chown root $dropins; chmod 0700 $dropins
check_drop_in_refused "a drop-in directory the launcher's group cannot list" "drop-in directory /etc/spice-connect.map.d cannot be listed by the launcher's group"
chmod 0755 $dropins; mv $dropins /etc/real.map.d; ln -s /etc/real.map.d $dropins
check_drop_in_refused "the drop-in directory is a symbolic link" "drop-in directory /etc/spice-connect.map.d is a symbolic link"
rm $dropins; mv /etc/real.map.d $dropins
launch mybro DISPLAY=:7 -- labvm
expect_rc "drop-ins restored: granted again" 0
rm -rf $dropins
launch mybro DISPLAY=:7 -- labvm
expect_rc "no drop-in directory: no drop-ins (and no error)" 1
launch myself DISPLAY=:7
expect_rc "no drop-in directory: the main map alone" 0
expect_logged "no drop-ins: the version is the main map's SHA-256, as before" "map-sha256=$(sha256sum < $map | cut -d' ' -f1)"

echo "# the viewer: writable, a symlink, wrong group, setuid"
viewer=$OFFICE/bin/remote-viewer
check_viewer_refused() {  # name needle
    launch myself DISPLAY=:7
    expect_rc "$1" 3
    expect_equal "$1: the user reads plain words" "$ERR" "$plain_viewer"
    expect_logged "$1: the log says why" "$2"
    expect_equal "$1: nothing started" "$(rec)" ""
}
chmod 0770 $viewer
check_viewer_refused "viewer group-writable" "writable by group or others (mode 0770)"
chmod 0750 $viewer; chgrp boss $viewer
check_viewer_refused "viewer in the wrong group" "does not belong to the launcher's group (gid 4901); expected root:spicegrp 0750"
chgrp spicegrp $viewer; mv $viewer $OFFICE/bin/real-viewer; ln -s $OFFICE/bin/real-viewer $viewer
check_viewer_refused "viewer is a symlink" "symbolic link"
rm $viewer; mv $OFFICE/bin/real-viewer $viewer; chown myself $viewer; chgrp spicegrp $viewer; chmod 0750 $viewer
check_viewer_refused "viewer owned by a user" "owned by uid 1021"
chown root:spicegrp $viewer; chmod 2750 $viewer
check_viewer_refused "viewer with a setgid bit" "setuid or setgid bit"
chmod 0750 $viewer
rm $viewer
check_viewer_refused "viewer missing" "does not exist"
office_install_viewer "$RECORDER_BIN"

echo "# the launcher's own installation"
chmod 0755 $SC
launch myself DISPLAY=:7
expect_rc "launcher without setgid bit refuses" 3
expect_equal "not setgid: the user reads plain words" "$ERR" "$plain_launcher"
expect_logged "not setgid: the log says why" "installation error"
chmod 2757 $SC
launch myself DISPLAY=:7
expect_rc "launcher writable by others refuses" 3
chmod 6755 $SC
launch myself DISPLAY=:7
expect_rc "launcher with a setuid bit refuses" 3
expect_logged "setuid: the log says why" "setuid"
chmod 2755 $SC; chgrp boss $SC; chmod 2755 $SC
launch carol DISPLAY=:7
expect_rc "launcher in another group than the map's refuses" 3
chgrp spicegrp $SC; chmod 2755 $SC
launch myself DISPLAY=:7
expect_rc "restored installation works again" 0

summary
