#!/bin/bash
# Runs as root inside the throwaway Debian 12 root that package_test.sh
# makes with mmdebstrap (virt-viewer and systemd installed, the mirror
# reachable): installs the spice-connect .deb the way an administrator does
# and checks every mode at each step of the package's life.
# usage: in_root.sh DEB
set -euo pipefail
deb=${1:?usage: in_root.sh DEB}
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export DEBIAN_FRONTEND=noninteractive LC_ALL=C.UTF-8
launcher=/usr/bin/spice-connect
admin=/usr/sbin/spice-connect-admin
viewer=/usr/bin/remote-viewer
map=/etc/spice-connect.map
units=/lib/systemd/system
wants=/etc/systemd/system
checks=0

step() { echo "== $*"; }
ok() { checks=$((checks + 1)); echo "ok - $*"; }
die() { echo "not ok - $*" >&2; exit 1; }
expect_mode() {  # PATH "OWNER GROUP OCTAL" (as stat -c '%U %G %a' prints it)
    local got
    got=$(stat -c '%U %G %a' "$1" 2>&1) || die "$1: missing ($got)"
    [ "$got" = "$2" ] || die "$1 is '$got', expected '$2'"
    ok "$1 is $2"
}
expect_absent() { [ ! -e "$1" ] && [ ! -L "$1" ] || die "$1 still exists"; ok "$1 is gone"; }
expect_present() { [ -e "$1" ] || die "$1 is missing"; ok "$1 is there"; }
overrides() {  # ours only: dbus has its own
    dpkg-statoverride --list | grep -E " ($launcher|$viewer)\$" | sort || true
}
override_of() {  # PATH -> "OWNER GROUP MODE" (the mode without leading zeros)
    dpkg-statoverride --list "$1" | awk '{ sub(/^0+/, "", $3); print $1, $2, $3 }'
}
status() { dpkg-query -W -f='${db:Status-Abbrev}' spice-connect 2>/dev/null | tr -d ' ' || true; }
# Without recommends: zenity (recommended for the desktop chooser) would
# bring WebKit; virt-viewer is in the root already, and the case of a
# package installed before its recommended viewer has its own step below.
apt() {  # apt-get with its output in a log that is shown when it fails
    if ! apt-get -y -q -o Dpkg::Use-Pty=0 -o APT::Install-Recommends=false "$@" >/tmp/apt.log 2>&1; then
        cat /tmp/apt.log >&2
        return 1
    fi
}
as_nobody() {  # through a shell: setpriv itself still holds root's capabilities when it execs
    setpriv --reuid=65534 --regid=65534 --clear-groups /bin/sh -c 'exec "$0" "$@"' "$@"
}

step "before: virt-viewer's remote-viewer as packaged"
expect_mode "$viewer" "root root 755"
[ -z "$(overrides)" ] || die "stat overrides before the installation: $(overrides)"
ok "no stat overrides"

step "a configure that fails half-way leaves the modes as they were"
real_override=$(command -v dpkg-statoverride)
cat >/usr/local/sbin/dpkg-statoverride <<INJECT
#!/bin/sh
# Test stand-in: adding the viewer's override fails, everything else works.
case " \$* " in *" --add "*" $viewer "*) echo "injected failure" >&2; exit 1 ;; esac
exec $real_override "\$@"
INJECT
chmod 0755 /usr/local/sbin/dpkg-statoverride
# apt runs dpkg with DPkg::Path (no /usr/local by default): put the stand-in first.
if apt-get -y -q -o Dpkg::Use-Pty=0 -o APT::Install-Recommends=false -o DPkg::Path=/usr/local/sbin:/usr/sbin:/usr/bin:/sbin:/bin \
        install "$deb" >/tmp/apt.log 2>&1; then
    cat /tmp/apt.log; die "the installation succeeded although a step of its postinst failed"
fi
grep -q 'configuration failed; the stat overrides and the map it had added were removed' /tmp/apt.log ||
    { cat /tmp/apt.log; die "the postinst did not report its rollback"; }
ok "apt-get install failed as injected, and the postinst rolled back"
[ "$(status)" = iF ] || die "package state '$(status)', expected half-configured (iF)"
ok "dpkg: half-configured, to be configured again"
[ -z "$(overrides)" ] || die "overrides left behind: $(overrides)"
ok "no stat override left behind"
expect_mode "$launcher" "root root 755"
expect_mode "$viewer" "root root 755"
expect_absent "$map"
rm /usr/local/sbin/dpkg-statoverride
dpkg --configure -a >/tmp/apt.log 2>&1 || { cat /tmp/apt.log; die "dpkg --configure -a failed"; }
ok "dpkg --configure -a completed the configuration"

step "installed"
[ "$(status)" = ii ] || die "package state '$(status)', expected ii"
ok "dpkg: installed"
getent group spicegrp >/dev/null || die "no group spicegrp"
gid=$(getent group spicegrp | cut -d: -f3)
[ "$gid" -lt 1000 ] || die "spicegrp has gid $gid, not a system group"
ok "system group spicegrp (gid $gid)"
expect_mode "$launcher" "root spicegrp 2755"
expect_mode "$viewer" "root spicegrp 750"
expect_mode "$map" "root spicegrp 640"
expect_mode "$admin" "root root 755"
[ "$(override_of "$launcher")" = "root spicegrp 2755" ] || die "launcher's override: $(override_of "$launcher")"
[ "$(override_of "$viewer")" = "root spicegrp 750" ] || die "viewer's override: $(override_of "$viewer")"
[ "$(overrides | wc -l)" = 2 ] || die "stat overrides: $(overrides)"
ok "stat overrides: launcher 2755, viewer 0750"
for f in $(dpkg -L spice-connect); do
    [ -f "$f" ] && [ ! -L "$f" ] || continue
    [ ! -u "$f" ] || die "$f is setuid"
    [ ! -g "$f" ] || [ "$f" = "$launcher" ] || die "$f is setgid"
done
ok "no file of the package is setuid; only the launcher is setgid"
! grep -Eq '^[[:space:]]*allow' "$map" || die "the initial map grants something"
cmp -s "$map" /usr/share/doc/spice-connect/examples/spice-connect.map || die "the map is not the example"
"$admin" check >/tmp/check.log 2>&1 || { cat /tmp/check.log; die "spice-connect-admin check rejects the initial map"; }
ok "the initial map is the example, valid, and grants nothing"
[ "$(grep -v '^#' /usr/lib/sysusers.d/spice-connect.conf)" = "g spicegrp -" ] || die "sysusers.d file"
ok "sysusers.d: g spicegrp -"
for u in spice-connect-firewall.service spice-connect-firewall-refresh.service spice-connect-firewall-refresh.timer \
         spice-connect-audit.service spice-connect-audit.timer; do
    expect_present "$units/$u"
done
[ -L "$wants/timers.target.wants/spice-connect-audit.timer" ] || die "the audit timer is not enabled"
ok "the audit timer is enabled"
[ -z "$(find "$wants" -name 'spice-connect-firewall*')" ] || die "a firewall unit is enabled: $(find "$wants" -name 'spice-connect-firewall*')"
ok "the firewall service and its timer are not enabled"
for m in man1/spice-connect.1 man5/spice-connect.map.5 man8/spice-connect-admin.8; do
    expect_present "/usr/share/man/$m.gz"
done
expect_present /usr/share/doc/spice-connect/examples/spice-connect.map

step "an ordinary user: the launcher runs with its group, the viewer is closed"
out=$(as_nobody "$launcher" --list 2>&1) || die "spice-connect --list as nobody failed ($?): $out"
ok "spice-connect --list as nobody: $(echo "$out" | head -n 1)"
rc=0; out=$(as_nobody "$launcher" 2>&1) || rc=$?
[ "$rc" = 1 ] || die "spice-connect as nobody exited $rc, expected 1 (no console granted): $out"
ok "spice-connect as nobody is refused: $out"
rc=0; as_nobody "$viewer" --version >/dev/null 2>&1 || rc=$?
[ "$rc" = 126 ] || die "nobody ran remote-viewer directly (exit $rc)"
ok "nobody cannot run remote-viewer directly (exit 126)"

step "virt-viewer reinstalled, as an upgrade does: dpkg applies the override, the trigger runs the audit"
mark=$(wc -l </var/log/dpkg.log)
apt install --reinstall virt-viewer
expect_mode "$viewer" "root spicegrp 750"
tail -n +"$((mark + 1))" /var/log/dpkg.log | grep -q ' trigproc spice-connect:' || die "the file trigger did not run"
grep -q '^Processing triggers for spice-connect ' /tmp/apt.log || die "apt did not process spice-connect's trigger"
grep -q '/usr/bin/remote-viewer' /tmp/apt.log || die "no audit report during the trigger"
ok "the file trigger on $viewer ran spice-connect's postinst"

step "spice-connect reinstalled (an upgrade): modes and the administrator's map kept"
echo "# edited by the administrator" >>"$map"
apt install --reinstall "$deb"
expect_mode "$launcher" "root spicegrp 2755"
expect_mode "$viewer" "root spicegrp 750"
expect_mode "$map" "root spicegrp 640"
grep -q '^# edited by the administrator$' "$map" || die "the upgrade replaced the map"
ok "the map was kept"
[ "$(overrides | wc -l)" = 2 ] || die "stat overrides after the upgrade: $(overrides)"
ok "still exactly two stat overrides"

step "removed: programs gone, the viewer stays closed, configuration kept"
apt remove spice-connect
[ "$(status)" = rc ] || die "package state '$(status)', expected rc"
ok "dpkg: removed, configuration files left"
expect_absent "$launcher"
expect_absent "$admin"
expect_mode "$viewer" "root spicegrp 750"
expect_present "$map"
[ "$(overrides | wc -l)" = 2 ] || die "stat overrides after remove: $(overrides)"
ok "the overrides stay until purge"

step "purged: overrides gone, remote-viewer root:root 0755 again"
apt purge spice-connect
[ -z "$(status)" ] || [ "$(status)" = un ] || [ "$(status)" = pn ] || die "package state '$(status)' after purge"
ok "dpkg: not installed"
[ -z "$(overrides)" ] || die "stat overrides after purge: $(overrides)"
ok "no stat override left"
expect_mode "$viewer" "root root 755"
expect_absent "$launcher"
expect_absent "$map"
[ -z "$(find "$wants" -name 'spice-connect*')" ] || die "unit links left: $(find "$wants" -name 'spice-connect*')"
ok "no enabled unit left"
getent group spicegrp >/dev/null || die "the group was removed"
ok "the group stays (Debian keeps system groups)"

step "installed before virt-viewer (it is only recommended): the override waits for the viewer"
apt remove virt-viewer
expect_absent "$viewer"
apt install "$deb"
expect_mode "$launcher" "root spicegrp 2755"
dpkg-statoverride --list "$viewer" >/dev/null || die "no override recorded for the missing viewer"
ok "the viewer's override is recorded before the viewer exists"
apt install virt-viewer
expect_mode "$viewer" "root spicegrp 750"
apt purge spice-connect
expect_mode "$viewer" "root root 755"
[ -z "$(overrides)" ] || die "stat overrides after purge: $(overrides)"
ok "purged again, nothing left"

echo "in_root: $checks checks passed"
