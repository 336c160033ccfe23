#!/bin/bash
# Runs as root inside the throwaway Debian 12 root that package_test.sh
# makes with mmdebstrap (virt-viewer, systemd and nftables installed, the
# mirror reachable): installs the spice-connect .deb the way an
# administrator does and checks every mode at each step of the package's
# life. One TAP line per check (assert.sh, copied next to this script); a
# step with a failed check ends the run, as the next steps build on it.
# The root shares the host's network, and removing the package unloads the
# client firewall (prerm: `spice-connect-admin firewall remove`): every
# removal, and the rules loaded by hand before one, run in a network
# namespace of this script's own, so the host's rules are never touched.
# usage: in_root.sh DEB
set -uo pipefail
deb=${1:?usage: in_root.sh DEB}
. "$(dirname "$0")/assert.sh"
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export DEBIAN_FRONTEND=noninteractive LC_ALL=C.UTF-8
launcher=/usr/bin/spice-connect
admin=/usr/sbin/spice-connect-admin
viewer=/usr/bin/remote-viewer
virt_viewer=/usr/bin/virt-viewer
map=/etc/spice-connect.map
stamp=/run/spice-connect/firewall.stamp
units=/lib/systemd/system
wants=/etc/systemd/system

# step NAME DESCRIPTION: a step of the package's life; the checks on modes
# and files name it. Ends the run when a check of the step before failed.
STEP=
step() {
    [ ${#TAP_FAILED[@]} -eq 0 ] || finish
    STEP=$1
    note "== $1: $2"
}
expect_mode() {  # PATH "OWNER GROUP OCTAL" (as stat -c '%U %G %a' prints it)
    expect_equal "$STEP: $1 is $2" "$(stat -c '%U %G %a' "$1" 2>&1)" "$2"
}
expect_absent() { [ ! -e "$1" ] && [ ! -L "$1" ]; expect_true "$STEP: $1 is gone" $? "it still exists"; }
expect_present() { check "$STEP: $1 is there" test -e "$1"; }
overrides() {  # ours only: dbus has its own
    dpkg-statoverride --list | grep -E " ($launcher|$viewer|$virt_viewer)\$" | sort
}
override_of() {  # PATH -> "OWNER GROUP MODE" (the mode without leading zeros)
    dpkg-statoverride --list "$1" | awk '{ sub(/^0+/, "", $3); print $1, $2, $3 }'
}
status() { dpkg-query -W -f='${db:Status-Abbrev}' spice-connect 2>/dev/null | tr -d ' '; }
# Without recommends: zenity (recommended for the desktop chooser) would
# bring WebKit; virt-viewer is in the root already, and the case of a
# package installed before its recommended viewer has its own step below.
# apt NAME ARGS...: apt-get ARGS as a check NAME; its output is in
# /tmp/apt.log, and its end is shown when it fails.
apt() {
    local name=$1
    shift
    apt-get -y -q -o Dpkg::Use-Pty=0 -o APT::Install-Recommends=false "$@" >/tmp/apt.log 2>&1
    expect_true "$name" $? "" "$(tail -n 30 /tmp/apt.log)"
}
# The test's own network namespace, kept open by a bind mount on $net.
net=/tmp/in/netns
in_net() { nsenter --net="$net" "$@"; }
# apt_in_net NAME ARGS...: apt, in that namespace (removals: the prerm's
# firewall remove must never reach the host's rules; no download needed).
apt_in_net() {
    local name=$1
    shift
    in_net apt-get -y -q -o Dpkg::Use-Pty=0 -o APT::Install-Recommends=false "$@" >/tmp/apt.log 2>&1
    expect_true "$name" $? "" "$(tail -n 30 /tmp/apt.log)"
}
nft_tables() { in_net nft list tables 2>&1; }
as_nobody() {  # through a shell: setpriv itself still holds root's capabilities when it execs
    setpriv --reuid=65534 --regid=65534 --clear-groups /bin/sh -c 'exec "$0" "$@"' "$@"
}

step before "virt-viewer's remote-viewer and virt-viewer as packaged; the test's network namespace"
expect_mode "$viewer" "root root 755"
expect_mode "$virt_viewer" "root root 755"
expect_equal "no stat overrides" "$(overrides)" ""
touch "$net" && unshare --net="$net" true
trap 'umount "$net" 2>/dev/null; rm -f "$net"' EXIT
here_net=$(readlink /proc/self/ns/net)
test_net=$(in_net readlink /proc/self/ns/net 2>&1)
[ -n "$here_net" ] && [ "${test_net#net:}" != "$test_net" ] && [ "$test_net" != "$here_net" ]
expect_true "a network namespace of the test's own for removals (never the host's firewall)" $? \
    "nsenter --net=$net: $test_net; this script's: $here_net" || finish
check "nft lists the namespace's tables (nftables in the root)" in_net nft list tables

step "failed configure" "a configure that fails at its last step leaves the modes as they were"
real_override=$(command -v dpkg-statoverride)
# The last override the postinst adds is virt-viewer's: the launcher's and
# remote-viewer's (applied at once with --update) are there to roll back.
cat >/usr/local/sbin/dpkg-statoverride <<INJECT
#!/bin/sh
# Test stand-in: adding virt-viewer's override fails, everything else works.
case " \$* " in *" --add "*" $virt_viewer "*) echo "injected failure" >&2; exit 1 ;; esac
exec $real_override "\$@"
INJECT
chmod 0755 /usr/local/sbin/dpkg-statoverride
# apt runs dpkg with DPkg::Path (no /usr/local by default): put the stand-in first.
! apt-get -y -q -o Dpkg::Use-Pty=0 -o APT::Install-Recommends=false -o DPkg::Path=/usr/local/sbin:/usr/sbin:/usr/bin:/sbin:/bin \
        install "$deb" >/tmp/apt.log 2>&1 &&
    grep -q 'configuration failed; the stat overrides and the map it had added were removed' /tmp/apt.log
expect_true "apt-get install failed as injected, and the postinst rolled back" $? \
    "the installation succeeded, or the postinst did not report its rollback" "$(tail -n 30 /tmp/apt.log)"
expect_equal "dpkg: half-configured, to be configured again" "$(status)" iF
expect_equal "no stat override left behind" "$(overrides)" ""
expect_mode "$launcher" "root root 755"
expect_mode "$viewer" "root root 755"
expect_mode "$virt_viewer" "root root 755"
expect_absent "$map"
rm /usr/local/sbin/dpkg-statoverride
dpkg --configure -a >/tmp/apt.log 2>&1
expect_true "dpkg --configure -a completed the configuration" $? "" "$(tail -n 30 /tmp/apt.log)"

step installed "the package configured"
expect_equal "dpkg: installed" "$(status)" ii
gid=$(getent group spicegrp | cut -d: -f3)
[ -n "$gid" ] && [ "$gid" -lt 1000 ]
expect_true "system group spicegrp (gid below 1000)" $? "gid '$gid'"
expect_mode "$launcher" "root spicegrp 2755"
expect_mode "$viewer" "root spicegrp 750"
expect_mode "$virt_viewer" "root spicegrp 750"
expect_mode "$map" "root spicegrp 640"
expect_mode "$admin" "root root 755"
expect_equal "stat overrides: launcher 2755, remote-viewer 0750, virt-viewer 0750" \
    "$(override_of "$launcher"); $(override_of "$viewer"); $(override_of "$virt_viewer"); $(overrides | wc -l) overrides" \
    "root spicegrp 2755; root spicegrp 750; root spicegrp 750; 3 overrides"
setid=""
for f in $(dpkg -L spice-connect); do
    [ -f "$f" ] && [ ! -L "$f" ] || continue
    [ ! -u "$f" ] || setid+=" $f (setuid)"
    [ ! -g "$f" ] || [ "$f" = "$launcher" ] || setid+=" $f (setgid)"
done
expect_equal "no file of the package is setuid; only the launcher is setgid" "$setid" ""
! grep -Eq '^[[:space:]]*allow' "$map" && cmp -s "$map" /usr/share/doc/spice-connect/examples/spice-connect.map &&
    "$admin" check >/tmp/check.log 2>&1
expect_true "the initial map is the example, valid, and grants nothing" $? "" "$(cat /tmp/check.log)"
expect_equal "sysusers.d: g spicegrp -" "$(grep -v '^#' /usr/lib/sysusers.d/spice-connect.conf)" "g spicegrp -"
for u in spice-connect-firewall.service spice-connect-firewall-refresh.service spice-connect-firewall-refresh.timer \
         spice-connect-audit.service spice-connect-audit.timer; do
    expect_present "$units/$u"
done
check "the audit timer is enabled" test -L "$wants/timers.target.wants/spice-connect-audit.timer"
expect_equal "the firewall service and its timer are not enabled" "$(find "$wants" -name 'spice-connect-firewall*')" ""
for m in man1/spice-connect.1 man5/spice-connect.map.5 man8/spice-connect-admin.8; do
    expect_present "/usr/share/man/$m.gz"
done
expect_present /usr/share/doc/spice-connect/examples/spice-connect.map
# virt-viewer closed, the audit's other-clients notice no longer names it.
# (--search-under: the walk for set-group-ID files is another test's.)
out=$("$admin" audit --search-under /usr/bin 2>&1)
[[ $out == *"Audit of /"* ]] && ! grep -q "^NOTICE other-clients:.*$virt_viewer" <<<"$out"
expect_true "the audit of a clean install does not name virt-viewer as another client (it is closed)" $? "" "$(tap_field audit "$out")"

step "ordinary user" "an ordinary user: the launcher runs with its group, the viewer is closed"
rc=0; out=$(as_nobody "$launcher" --list 2>&1) || rc=$?
expect_equal "spice-connect --list works as nobody" "exit $rc" "exit 0" "$(tap_field output "$out")" && note "$(head -n 1 <<<"$out")"
rc=0; out=$(as_nobody "$launcher" 2>&1) || rc=$?
expect_equal "spice-connect as nobody is refused (exit 1: no console granted)" "exit $rc" "exit 1" "$(tap_field output "$out")" && note "$out"
rc=0; as_nobody "$viewer" --version >/dev/null 2>&1 || rc=$?
expect_equal "nobody cannot run remote-viewer directly (exit 126)" "exit $rc" "exit 126"
rc=0; as_nobody "$virt_viewer" --version >/dev/null 2>&1 || rc=$?
expect_equal "nobody cannot run virt-viewer either (exit 126)" "exit $rc" "exit 126"

step "virt-viewer reinstalled" "virt-viewer reinstalled, as an upgrade does: dpkg applies the override, the trigger runs the audit"
mark=$(wc -l </var/log/dpkg.log)
apt "apt-get install --reinstall virt-viewer" install --reinstall virt-viewer
expect_mode "$viewer" "root spicegrp 750"
expect_mode "$virt_viewer" "root spicegrp 750"
tail -n +"$((mark + 1))" /var/log/dpkg.log | grep -q ' trigproc spice-connect:' &&
    grep -q '^Processing triggers for spice-connect ' /tmp/apt.log && grep -q '/usr/bin/remote-viewer' /tmp/apt.log
expect_true "the file trigger on $viewer ran spice-connect's postinst" $? "" "$(tail -n 30 /tmp/apt.log)"

step upgrade "spice-connect reinstalled (an upgrade): modes and the administrator's map kept"
echo "# edited by the administrator" >>"$map"
apt "apt-get install --reinstall spice-connect" install --reinstall "$deb"
expect_mode "$launcher" "root spicegrp 2755"
expect_mode "$viewer" "root spicegrp 750"
expect_mode "$virt_viewer" "root spicegrp 750"
expect_mode "$map" "root spicegrp 640"
check "the map was kept" grep -q '^# edited by the administrator$' "$map"
expect_equal "still exactly three stat overrides" "$(overrides | wc -l)" 3 "$(overrides)"

step "firewall by hand" "rules loaded with firewall apply, no unit (no systemd runs here), in the test's namespace"
cat >"$map" <<'MAP'
# The administrator's map: the user nobody may use VM one.
set group spicegrp
set timezone UTC
set ports 20001-20010
vm one host=192.0.2.10 tls-port=20001
allow nobody one
MAP
cp "$map" /tmp/map.admin
# Whether the host's namespace has such a table (another program's) stays as it is.
host_table() { nft list tables 2>/dev/null | grep -c '^table inet spice_connect$'; }
host_before=$(host_table)
in_net "$admin" firewall apply >/tmp/apply.log 2>&1
expect_true "spice-connect-admin firewall apply" $? "" "$(cat /tmp/apply.log)"
expect_has "the table inet spice_connect is loaded in the namespace" "$(nft_tables)" "table inet spice_connect"
expect_present "$stamp"
expect_equal "the host's network namespace got no rules" "$(host_table)" "$host_before"

step removed "programs gone, the viewers stay closed, the launcher's override and the rules gone, configuration kept"
apt_in_net "apt-get remove spice-connect" remove spice-connect
expect_equal "dpkg: removed, configuration files left" "$(status)" rc
expect_absent "$launcher"
expect_absent "$admin"
expect_mode "$viewer" "root spicegrp 750"
expect_mode "$virt_viewer" "root spicegrp 750"
expect_present "$map"
expect_equal "one override per closed viewer, none for the removed launcher" \
    "$(override_of "$viewer"); $(override_of "$virt_viewer"); $(overrides | wc -l) overrides" \
    "root spicegrp 750; root spicegrp 750; 2 overrides" "$(tap_field overrides "$(overrides)")"
tables=$(nft_tables)
[[ $tables != *"table inet spice_connect"* ]]
expect_true "the prerm unloaded the rules loaded by hand: no table inet spice_connect" $? "$tables" \
    "$(tap_field apt "$(tail -n 15 /tmp/apt.log)")"
expect_absent "$stamp"
expect_absent /run/spice-connect
expect_equal "the host's network namespace is as it was" "$(host_table)" "$host_before"

step purged "overrides gone, the viewers root:root 0755 again, the administrator's map kept as .dpkg-bak"
apt_in_net "apt-get purge spice-connect" purge spice-connect
case $(status) in ""|un|pn) true ;; *) false ;; esac
expect_true "dpkg: not installed" $? "package state '$(status)'"
expect_equal "no stat override left" "$(overrides)" ""
expect_mode "$viewer" "root root 755"
expect_mode "$virt_viewer" "root root 755"
expect_absent "$launcher"
expect_absent "$map"
expect_mode "$map.dpkg-bak" "root root 600"
check "$map.dpkg-bak holds the administrator's map" cmp -s /tmp/map.admin "$map.dpkg-bak"
check "the purge said where it kept the map" grep -q "^spice-connect: purge kept your access map as $map.dpkg-bak" /tmp/apt.log
expect_equal "no enabled unit left" "$(find "$wants" -name 'spice-connect*')" ""
getent group spicegrp >/dev/null
expect_true "the group stays (Debian keeps system groups)" $? "the group was removed"
rm -f "$map.dpkg-bak"

step "installed before virt-viewer" "virt-viewer is only recommended: the overrides wait for it; an administrator's own override stays"
apt "apt-get remove virt-viewer" remove virt-viewer
expect_absent "$viewer"
expect_absent "$virt_viewer"
# The administrator keeps virt-viewer open for libvirt consoles.
dpkg-statoverride --add root root 0755 "$virt_viewer"
apt "apt-get install spice-connect without virt-viewer" install "$deb"
expect_mode "$launcher" "root spicegrp 2755"
dpkg-statoverride --list "$viewer" >/dev/null
expect_true "the viewer's override is recorded before the viewer exists" $? "no override recorded for the missing viewer"
expect_equal "the administrator's override of virt-viewer is kept" "$(override_of "$virt_viewer")" "root root 755"
apt "apt-get install virt-viewer" install virt-viewer
expect_mode "$viewer" "root spicegrp 750"
expect_mode "$virt_viewer" "root root 755"
apt_in_net "apt-get purge spice-connect, again" purge spice-connect
expect_mode "$viewer" "root root 755"
expect_mode "$virt_viewer" "root root 755"
expect_equal "purged again: only the administrator's override is left" \
    "$(overrides | wc -l) $(override_of "$virt_viewer")" "1 root root 755" "$(tap_field overrides "$(overrides)")"
expect_absent "$map"
expect_absent "$map.dpkg-bak"
! grep -q 'purge kept your access map' /tmp/apt.log
expect_true "the map the postinst wrote is deleted without a word" $? "$(grep 'purge kept' /tmp/apt.log)"
dpkg-statoverride --remove "$virt_viewer"

finish
