#!/bin/bash
# The package on a booted client: the .deb installed into a fresh Debian 12
# root (mmdebstrap), which then boots with systemd as its PID 1
# (systemd-nspawn --boot --register=no --keep-unit) in the client network
# namespace of tests/firewall/network.sh, whose veth leads to the server
# namespace where two QEMU VMs serve SPICE over TLS. The map and the
# firewall are set up as the README says. Checked under the booted systemd:
# the rules are loaded before logins are allowed, the refresh timer follows
# a map change, the audit unit is green on a correct install and red (with
# the finding in the journal) on a broken one, the timer's own run is
# green, a user opens a granted VM through spice-connect (screenshot
# checked) and is refused and reset for the other, the decisions are in the
# journal; roaming: the network change hooks, run as NetworkManager and
# networkd-dispatcher run them, apply the firewall again so the rules
# follow a host= name whose address changed (not the minute timer: it is
# stopped), and do nothing with the firewall off; console tickets: the
# agent's socket enabled, the agent started by systemd for a ticket VM on
# the client's loopback (its sandbox read from /proc, the refusal for an
# unreachable ticket daemon, a user without the launcher's group kept out
# by the socket's mode), the ticket daemon's units without libvirt (exit
# 3, its journal entry) and with libvirt's test driver (sandboxed, a
# refusal of this unmanaged client with the session log's fields in the
# journal), systemd-analyze security's exposure of both (at most 2.0);
# then upgrade, virt-viewer reinstalled, remove and purge.
# One TAP line per check (tests/lib/assert.sh). Everything lives in a
# temporary directory and namespaces; nothing on the host changes.
# usage: booted_client_test.sh SOURCE_DIR DEB SHOT_DIR
#        (as root, under unshare --mount --propagation private)
set -uo pipefail
src=$(cd "${1:?usage: booted_client_test.sh SOURCE_DIR DEB SHOT_DIR}" && pwd)
deb=${2:?usage: booted_client_test.sh SOURCE_DIR DEB SHOT_DIR}
shots=${3:?usage: booted_client_test.sh SOURCE_DIR DEB SHOT_DIR}
. "$src/tests/lib/assert.sh"
. "$src/tests/firewall/network.sh"
. "$src/tests/lib/debian_root.sh"
e2e=$src/tests/e2e
start=$SECONDS

[ "$(id -u)" = 0 ]
expect_true "runs as root" $? "uid $(id -u)" || finish
require_tools mmdebstrap:mmdebstrap systemd-nspawn:systemd-container qemu-system-x86_64:qemu-system-x86 \
              certtool:gnutls-bin Xvfb:xvfb xauth:xauth xwininfo:x11-utils import:imagemagick convert:imagemagick \
              nft:nftables nsenter:util-linux pgrep:procps python3:python3 promtool:prometheus || finish
check "the .deb to install is there ($deb)" test -f "$deb" || finish
mkdir -p "$shots"

# On disk: the root is several hundred megabytes.
tmp=$(mktemp -d /var/tmp/spice-connect-booted-client.XXXXXX)
chmod 0755 "$tmp"  # apt downloads into the root as _apt
root=$tmp/root
NSPAWN_PID= LEADER= VM_PIDS=() XVFB_PID=
cleanup() {
    local i
    if [ -n "$NSPAWN_PID" ] && kill -0 "$NSPAWN_PID" 2>/dev/null; then
        kill -TERM "$NSPAWN_PID"  # nspawn halts the container: systemd stops its units
        for i in $(seq 100); do kill -0 "$NSPAWN_PID" 2>/dev/null || break; sleep 0.2; done
        kill -KILL "$NSPAWN_PID" 2>/dev/null
    fi
    kill "${VM_PIDS[@]}" $XVFB_PID 2>/dev/null
    network_stop
    rm -rf --one-file-system "$tmp"
}
trap cleanup EXIT
trap 'exit 143' INT TERM  # a ctest timeout: clean up all the same

# --- the VM server ------------------------------------------------------------
network_start
pki=$tmp/pki
mkdir -p "$pki"
printf 'organization = "Example"\ncn = "Example office CA (test run)"\nca\ncert_signing_key\nexpiration_days = 2\n' >"$pki/ca.tmpl"
printf 'country = DE\norganization = "Example"\ncn = "mysrv"\ntls_www_server\nencryption_key\nsigning_key\nexpiration_days = 2\n' >"$pki/server.tmpl"
certtool --generate-privkey --key-type=ecdsa --outfile "$pki/ca-key.pem" 2>/dev/null &&
    certtool --generate-self-signed --load-privkey "$pki/ca-key.pem" --template "$pki/ca.tmpl" --outfile "$pki/ca-cert.pem" 2>/dev/null &&
    certtool --generate-privkey --key-type=ecdsa --outfile "$pki/server-key.pem" 2>/dev/null &&
    certtool --generate-certificate --load-privkey "$pki/server-key.pem" --load-ca-certificate "$pki/ca-cert.pem" \
        --load-ca-privkey "$pki/ca-key.pem" --template "$pki/server.tmpl" --outfile "$pki/server-cert.pem" 2>/dev/null
expect_true "the office CA and the VMs' certificate (certtool)" $? || finish
chmod 0700 "$pki"
declare -A PORT=([one]=20001 [two]=20002) UUID=([one]=00000000-0000-4000-8000-000000000001 [two]=00000000-0000-4000-8000-000000000002)
for vm in one two; do
    nsenter --net="/proc/$NET_SERVER_PID/ns/net" qemu-system-x86_64 -machine pc,accel=tcg -m 64 -nodefaults -vga qxl \
        -display none -name "$vm" -uuid "${UUID[$vm]}" \
        -spice "tls-port=${PORT[$vm]},addr=::,x509-dir=$pki,disable-ticketing=on" \
        -qmp "unix:$tmp/$vm.qmp,server=on,wait=off" >"$tmp/qemu-$vm.log" 2>&1 &
    VM_PIDS+=($!)
done

# --- the client root: Debian 12, systemd, virt-viewer, the package ----------
users="alice:2001 bob:2002"
cat >"$tmp/spice-connect.map" <<MAP
# The booted client's map: alice may use VM one; VM two is granted to
# nobody until the test grants it to bob.
set group spicegrp
set ports 20001-20010
set require-launcher yes
set require-firewall yes

vm one host=$SERVER_V4 tls-port=20001 ca=/etc/spice-connect/ca.pem subject="C=DE,O=Example,CN=mysrv"
vm two host=$SERVER_V4 tls-port=20002 ca=/etc/spice-connect/ca.pem subject="C=DE,O=Example,CN=mysrv"
# Named by DNS (the client's /etc/hosts here): the roaming checks change
# its address and run the network change hooks.
vm roam host=roam.example tls-port=20003 ca=/etc/spice-connect/ca.pem subject="C=DE,O=Example,CN=mysrv"

allow alice one
allow alice roam
MAP
mkdir -p "$tmp/in"
cp "$deb" "$tmp/in/spice-connect.deb"
cp "$pki/ca-cert.pem" "$tmp/in/ca.pem"
cp "$tmp/spice-connect.map" "$tmp/in/spice-connect.map"
# The audit timer's first run within seconds of boot rather than within the
# hour (only when it fires changes; the service is the packaged one).
printf '[Timer]\nOnActiveSec=20s\nRandomizedDelaySec=0\n' >"$tmp/in/soon.conf"
cat >"$tmp/in/setup.sh" <<SETUP
set -e
export DEBIAN_FRONTEND=noninteractive
for u in $users; do useradd -m -u "\${u#*:}" -s /bin/bash "\${u%:*}"; done
# roam.example as the office's DNS would answer on the first network.
echo '198.51.100.7 roam.example' >>/etc/hosts
# As an administrator installs it (README): the package, the CA, the map.
apt-get install -y -q -o Dpkg::Use-Pty=0 --no-install-recommends /tmp/in/spice-connect.deb
install -d /etc/spice-connect
install -m 0644 /tmp/in/ca.pem /etc/spice-connect/ca.pem
install -o root -g spicegrp -m 0640 /tmp/in/spice-connect.map /etc/spice-connect.map
spice-connect-admin check
systemctl enable spice-connect-firewall.service spice-connect-firewall-refresh.timer
install -d /etc/systemd/system/spice-connect-audit.timer.d
install -m 0644 /tmp/in/soon.conf /etc/systemd/system/spice-connect-audit.timer.d/soon.conf
install -m 0644 /tmp/in/spice-connect.deb /var/tmp/spice-connect.deb
SETUP
sources=$(debian_apt_sources)
expect_true "an apt sources file for the client root (${sources:-none})" $? "no file in /etc/apt names a source" || finish
root_start=$SECONDS
# --skip=cleanup/apt: the package lists and the downloaded .debs stay, so
# virt-viewer can be reinstalled later without a mirror.
unshare --mount --propagation private \
    mmdebstrap --mode=root --variant=apt --include=systemd,systemd-sysv,dbus,procps,virt-viewer --skip=cleanup/apt \
        --aptopt='Acquire::Retries "3"' --aptopt='Acquire::http::Timeout "30"' \
        --customize-hook="copy-in $tmp/in /tmp" \
        --customize-hook='chroot "$1" bash /tmp/in/setup.sh' \
        --customize-hook='rm -rf "$1/tmp/in"' \
        bookworm "$root" "$sources" >"$tmp/root.log" 2>&1
expect_true "a Debian 12 root with the package, the map and the firewall enabled (as the README says)" $? "" \
    "$(tail -n 30 "$tmp/root.log")" || finish
note "client root made in $((SECONDS - root_start)) s"

# --- boot ---------------------------------------------------------------------
# CAP_NET_ADMIN: nspawn keeps it only for a network namespace of its own
# making (--private-network); this one is the test's, and the client's
# firewall needs it as on a real machine.
systemd-nspawn --boot --register=no --keep-unit --quiet --console=pipe -D "$root" --machine=client \
    --network-namespace-path="/proc/$NET_CLIENT_PID/ns/net" --capability=CAP_NET_ADMIN \
    </dev/null >"$tmp/boot.log" 2>&1 &
NSPAWN_PID=$!
boot_start=$SECONDS
for i in $(seq 100); do
    LEADER=$(pgrep -P "$NSPAWN_PID" | head -n 1)
    [ -n "$LEADER" ] && [ "$(readlink "/proc/$LEADER/exe" 2>/dev/null)" = /usr/lib/systemd/systemd ] && break
    LEADER=; sleep 0.1
done
check "systemd-nspawn started the client's systemd" test -n "$LEADER" || { cat "$tmp/boot.log" >&2; finish; }

# in_client CMD...: a command inside the booted client (all its namespaces).
in_client() { nsenter -a -t "$LEADER" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C.UTF-8 "$@"; }
# as_user USER CMD...: as an office user inside the client, with the display.
# Through a shell: setpriv still holds root's capabilities when it execs.
as_user() {
    local u=$1; shift
    in_client setpriv --reuid="$u" --regid="$u" --init-groups /bin/sh -c 'exec "$0" "$@"' \
        env HOME="/home/$u" USER="$u" DISPLAY=:5 XAUTHORITY="/home/$u/.Xauthority" "$@"
}
# The display: Xvfb in the client's network namespace (abstract socket
# only), a cookie in each user's ~/.Xauthority as a display manager gives it.
on_display() { nsenter --net="/proc/$LEADER/ns/net" env DISPLAY=:5 XAUTHORITY="$tmp/xauth" "$@"; }
unit_prop() { in_client systemctl show -P "$2" "$1"; }

# Until systemd listens (its private socket), then until boot is over.
for i in $(seq 100); do in_client test -S /run/systemd/private && break; sleep 0.1; done
state=$(timeout 120 nsenter -a -t "$LEADER" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin systemctl is-system-running --wait 2>&1)
expect_equal "the client boots: systemctl is-system-running says running" "$state" running \
    "$(tap_field failed "$(in_client systemctl --failed --no-legend 2>&1)")" || true
note "booted in $((SECONDS - boot_start)) s"
expect_equal "systemctl --failed is empty after boot" "$(in_client systemctl --failed --no-legend --plain 2>&1)" ""

echo "# the firewall at boot"
expect_equal "spice-connect-firewall.service is active" "$(in_client systemctl is-active spice-connect-firewall.service)" active
fw=$(unit_prop spice-connect-firewall.service ActiveEnterTimestampMonotonic)
sessions=$(unit_prop systemd-user-sessions.service ActiveEnterTimestampMonotonic)
netpre=$(unit_prop network-pre.target ActiveEnterTimestampMonotonic)
[ "${fw:-0}" -gt 0 ] && [ "${sessions:-0}" -gt "$fw" ]
expect_true "the rules were loaded before logins were allowed (systemd-user-sessions)" $? \
    "firewall at ${fw:-?} us, user sessions at ${sessions:-?} us"
# (the firewall unit pulls network-pre.target in, so it is reached)
[ "${fw:-0}" -gt 0 ] && [ "${netpre:-0}" -gt "$fw" ]
expect_true "the rules were loaded before network-pre.target" $? "firewall at ${fw:-?} us, network-pre at ${netpre:-?} us"
check "the nft table is loaded in the client's network namespace" \
    nsenter --net="/proc/$LEADER/ns/net" nft list table inet spice_connect
run_capture in_client spice-connect-admin firewall verify
expect_rc "firewall verify is clean after boot" 0
expect_equal "the refresh timer is active" "$(in_client systemctl is-active spice-connect-firewall-refresh.timer)" active
# The first run of the refresh in this boot, from the journal (microseconds,
# as systemd's timestamps): after network-online.target, and started by the
# boot (multi-user.target wants it), not by its timer. The timer fires at
# every whole minute of the wall clock, so its first trigger is the first
# whole minute after it became active (the journal entry gives the offset
# between the two clocks). When that minute came before the network was
# online, or within 2 s after, the boot's start and the timer's are one job
# and the check only asks for the order after the network.
read -r first_refresh first_refresh_real < <(in_client journalctl -b -u spice-connect-firewall-refresh.service -o export --no-pager 2>/dev/null |
    awk -F= '/^__REALTIME_TIMESTAMP=/ { r = $2 } /^__MONOTONIC_TIMESTAMP=/ { t = $2 }
             /^MESSAGE=Starting / { print t, r; exit }')
online=$(unit_prop network-online.target ActiveEnterTimestampMonotonic)
timer_active=$(unit_prop spice-connect-firewall-refresh.timer ActiveEnterTimestampMonotonic)
first_tick=0
if [ -n "${first_refresh:-}" ] && [ -n "${first_refresh_real:-}" ] && [ "${timer_active:-0}" -gt 0 ]; then
    clock_offset=$((first_refresh_real - first_refresh))
    first_tick=$(( ((timer_active + clock_offset) / 60000000 + 1) * 60000000 - clock_offset ))
fi
[ "${online:-0}" -gt 0 ] && [ "${first_refresh:-0}" -ge "$online" ] && [ "$first_tick" -gt 0 ] &&
    { [ "$first_refresh" -lt "$first_tick" ] || [ "$first_tick" -le $((online + 2000000)) ]; }
expect_true "the refresh ran at boot once the network was online (not by its timer)" $? \
    "first refresh at ${first_refresh:-?} us, network-online at ${online:-?} us, the timer's first trigger at ${first_tick} us (monotonic)"
expect_equal "the refresh at boot succeeded" \
    "$(unit_prop spice-connect-firewall-refresh.service Result) $(unit_prop spice-connect-firewall-refresh.service ExecMainStatus)" \
    "success 0" "$(tap_field journal "$(in_client journalctl -b -u spice-connect-firewall-refresh.service --no-pager | tail -n 5)")"

echo "# the audit timer's own run (20 s after boot, as the drop-in says)"
for i in $(seq 120); do
    [ "$(unit_prop spice-connect-audit.service ExecMainExitTimestampMonotonic)" != 0 ] && break
    sleep 0.5
done
[ "$(unit_prop spice-connect-audit.service ExecMainExitTimestampMonotonic)" != 0 ]
expect_true "the audit timer started the audit by itself" $? "it had not run 60 s later"
expect_equal "the audit timer's own run is green" \
    "$(unit_prop spice-connect-audit.service Result) $(unit_prop spice-connect-audit.service ExecMainStatus)" "success 0" \
    "$(tap_field journal "$(in_client journalctl -b -u spice-connect-audit.service --no-pager | tail -n 20)")"

echo "# a user opens a granted VM, and only that one"
: >"$tmp/xauth"; chmod 0600 "$tmp/xauth"
xauth -q -f "$tmp/xauth" add :5 . "$(mcookie)"
nsenter --net="/proc/$LEADER/ns/net" Xvfb :5 -nolock -noreset -nolisten tcp -nolisten unix -wr \
    -auth "$tmp/xauth" -screen 0 1024x768x24 >"$tmp/xvfb.log" 2>&1 &
XVFB_PID=$!
for i in $(seq 100); do on_display xwininfo -root >/dev/null 2>&1 && break; sleep 0.1; done
for u in $users; do
    u=${u%:*}
    xauth -q -f "$tmp/xauth" extract - :5 | xauth -q -f "$root/home/$u/.Xauthority" merge -
    chown "$(stat -c %u "$root/home/$u"):$(stat -c %g "$root/home/$u")" "$root/home/$u/.Xauthority"
    chmod 0600 "$root/home/$u/.Xauthority"
done
for vm in one two; do
    for i in $(seq 150); do
        python3 "$e2e/qmp.py" "$tmp/$vm.qmp" screendump "$tmp/$vm.ppm" 2>/dev/null &&
            python3 "$e2e/screen_check.py" --booted "$tmp/$vm.ppm" && break
        sleep 0.2
    done
done
# The largest top-level window: the viewer's (there is only one at a time).
viewer_window() {
    on_display xwininfo -root -children 2>/dev/null |
        sed -n 's/^ *\(0x[0-9a-f]*\) .* \([0-9][0-9]*\)x\([0-9][0-9]*\)[-+0-9]* .*$/\1 \2 \3/p' |
        awk '$2 * $3 > best { best = $2 * $3; id = $1 } END { if (best > 10000) print id }'
}
# opens USER VM OTHER: USER runs `spice-connect VM`; true when the viewer's
# window shows VM's screen (not OTHER's) within 30 s. VERDICT says why not.
opens() {
    local user=$1 vm=$2 other=$3 viewer shot=$shots/booted-client-$1-$2.png i wid rc=1
    VERDICT="no window"
    as_user "$user" spice-connect "$vm" >"$tmp/$user-$vm.log" 2>&1 &
    viewer=$!
    for i in $(seq 60); do
        sleep 0.5
        wid=$(viewer_window)
        [ -n "$wid" ] || continue
        on_display import -window "$wid" "$shot" 2>/dev/null || continue
        python3 "$e2e/qmp.py" "$tmp/$vm.qmp" screendump "$tmp/$vm.ppm" 2>/dev/null || continue
        VERDICT=$(python3 "$e2e/screen_check.py" "$shot" "$tmp/$vm.ppm" "$tmp/$other.ppm") && { rc=0; break; }
    done
    VERDICT+=$'\n'"viewer: $(tail -n 5 "$tmp/$user-$vm.log")"
    in_client pkill -u "$user" -x remote-viewer
    wait "$viewer" 2>/dev/null
    for i in $(seq 50); do [ -z "$(viewer_window)" ] && break; sleep 0.1; done
    return $rc
}
opens alice one two
expect_true "alice opens VM one through spice-connect: the viewer shows its screen" $? "$VERDICT"
in_client journalctl -b -t spice-connect --no-pager >"$tmp/launcher.journal" 2>&1
expect_has "the launcher's decision is in the journal (granted)" "$(cat "$tmp/launcher.journal")" "alice (uid 2001): granted vm=one"

run_capture as_user alice spice-connect two
expect_rc "alice is refused VM two by the launcher" 1
expect_has "the refusal is in the journal" "$(in_client journalctl -b -t spice-connect --no-pager)" "alice (uid 2001): refused"
# connect USER PORT: a raw TCP connection from inside the client, as USER.
connect() { as_user "$1" timeout 10 bash -c "exec 3<>/dev/tcp/$SERVER_V4/$2" 2>&1; }
# (require-launcher: only the launcher's group passes, so these are reset
# for every user; what a grant opens is seen through the launcher below.)
out=$(connect alice 20002); rc=$?
expect_true "alice's own connection to VM two's port is reset" "$([ $rc != 0 ] && [[ $out == *"refused"* ]]; echo $?)" \
    "exit $rc: $out"
out=$(connect bob 20001); rc=$?
expect_true "bob's own connection to VM one's port is reset" "$([ $rc != 0 ] && [[ $out == *"refused"* ]]; echo $?)" \
    "exit $rc: $out"

echo "# the refresh timer follows a map change (bob gets VM two)"
printf 'allow bob two\n' >>"$tmp/spice-connect.map"
in_client sh -c 'cat > /etc/spice-connect.map' <"$tmp/spice-connect.map"
changed=$SECONDS
for i in $(seq 150); do
    in_client spice-connect-admin firewall verify >/dev/null 2>&1 && break
    sleep 0.5
done
run_capture in_client spice-connect-admin firewall verify
expect_rc "within a minute the refresh timer applied the changed map: verify is clean" 0
note "applied $((SECONDS - changed)) s after the change"
opens bob two one
expect_true "bob now opens VM two through spice-connect (the firewall lets him through)" $? "$VERDICT"

echo "# roaming: a network change applies the firewall again through the hooks, not the minute timer"
# The timer stopped first (and any run of it over): whatever changes the
# rules below, it is not the timer.
in_client systemctl stop spice-connect-firewall-refresh.timer
for i in $(seq 100); do [ "$(in_client systemctl is-active spice-connect-firewall-refresh.service)" = inactive ] && break; sleep 0.1; done
timer_trigger=$(unit_prop spice-connect-firewall-refresh.timer LastTriggerUSecMonotonic)
# set_roam ADDR: roam.example's address in the client's /etc/hosts, as the
# DNS of another network (or of the VPN) would answer.
set_roam() { in_client sed -i "s/^[0-9a-f.:]* roam\.example\$/$1 roam.example/" /etc/hosts; }
# roam_rule ADDR: alice's grant to ADDR, port 20003, is loaded.
# (Read whole first: with pipefail, grep -q ending the pipe early would
# fail it through nft's SIGPIPE.)
roam_rule() { grep -qF ". $1 . 20003" <<<"$(nsenter --net="/proc/$LEADER/ns/net" nft list set inet spice_connect grants_v4 2>/dev/null)"; }
# follows OLD NEW: within 5 s the rules allow NEW and no longer OLD.
follows() {
    local i
    for i in $(seq 50); do
        roam_rule "$2" && ! roam_rule "$1" && return 0
        sleep 0.1
    done
    return 1
}
grants() { nsenter --net="/proc/$LEADER/ns/net" nft list set inet spice_connect grants_v4 2>&1 | tr -s ' \t\n' ' '; }
check "before: alice's grant to roam.example is its first address, 198.51.100.7" roam_rule 198.51.100.7
refresh_start=$(unit_prop spice-connect-firewall-refresh.service ExecMainStartTimestampMonotonic)
set_roam 198.51.100.8
# As NetworkManager runs its dispatcher scripts: root, INTERFACE ACTION, its
# variables and no PATH.
nm_env=(NM_DISPATCHER_ACTION=up DEVICE_IFACE=eth0 DEVICE_IP_IFACE=eth0 CONNECTION_ID="Wired connection 1"
        CONNECTION_UUID=00000000-0000-4000-8000-00000000000a CONNECTION_FILENAME=/run/NetworkManager/system-connections/eth0.nmconnection
        IP4_NUM_ADDRESSES=1 IP4_ADDRESS_0="192.0.2.10/24 192.0.2.1" IP4_GATEWAY=192.0.2.1)
hook_nm() { nsenter -a -t "$LEADER" /usr/bin/env -i "${nm_env[@]}" /usr/lib/NetworkManager/dispatcher.d/90-spice-connect "$@"; }
run_capture hook_nm eth0 up
expect_rc "the NetworkManager hook (eth0 up) exits 0 at once" 0
follows 198.51.100.7 198.51.100.8
expect_true "within 5 s of the NetworkManager hook the rules follow the name: 198.51.100.8 allowed, 198.51.100.7 gone" $? \
    "$(tap_field grants "$(grants)")" \
    "$(tap_field journal "$(in_client journalctl -b -u spice-connect-firewall-refresh.service --no-pager | tail -n 5)")"
after=$(unit_prop spice-connect-firewall-refresh.service ExecMainStartTimestampMonotonic)
expect_true "the refresh unit ran because of the hook (it started after the change)" "$([ "${after:-0}" -gt "${refresh_start:-0}" ]; echo $?)" \
    "started at ${after:-?} us, before at ${refresh_start:-?} us"
# networkd-dispatcher: the routable.d script, with its variables.
refresh_start=$after
set_roam 203.0.113.9
nd_env=(IFACE=eth0 STATE=routable AdministrativeState=configured OperationalState=routable ADDR=192.0.2.10
        IP_ADDRS=192.0.2.10 IP6_ADDRS=)
hook_nd() { nsenter -a -t "$LEADER" /usr/bin/env -i "${nd_env[@]}" "/usr/lib/networkd-dispatcher/$1.d/90-spice-connect"; }
run_capture hook_nd routable
expect_rc "the networkd-dispatcher hook (routable.d) exits 0 at once" 0
follows 198.51.100.8 203.0.113.9
expect_true "within 5 s of the networkd-dispatcher hook the rules follow the name: 203.0.113.9 allowed, 198.51.100.8 gone" $? \
    "$(tap_field grants "$(grants)")"
set_roam 198.51.100.7
nd_env=(IFACE=eth0 STATE=off AdministrativeState=configured OperationalState=off IP_ADDRS= IP6_ADDRS=)
run_capture hook_nd off
expect_rc "the networkd-dispatcher hook (off.d) exits 0 at once" 0
follows 203.0.113.9 198.51.100.7
expect_true "within 5 s of the off.d hook the rules follow the name back: 198.51.100.7 allowed, 203.0.113.9 gone" $? \
    "$(tap_field grants "$(grants)")"
for action in pre-up pre-down reapply; do
    before=$(unit_prop spice-connect-firewall-refresh.service ExecMainStartTimestampMonotonic)
    run_capture hook_nm eth0 "$action"
    sleep 1
    expect_equal "the NetworkManager hook ignores '$action' (exit 0, no refresh)" \
        "$RC $(unit_prop spice-connect-firewall-refresh.service ExecMainStartTimestampMonotonic)" "0 $before"
done
expect_equal "none of it was the timer (stopped, not triggered since)" \
    "$(in_client systemctl is-active spice-connect-firewall-refresh.timer) $(unit_prop spice-connect-firewall-refresh.timer LastTriggerUSecMonotonic)" \
    "inactive $timer_trigger"

echo "# roaming: with the firewall off, the hooks do nothing"
in_client systemctl stop spice-connect-firewall.service
sleep 1
before=$(unit_prop spice-connect-firewall-refresh.service ExecMainStartTimestampMonotonic)
cursor=$(in_client journalctl -n 1 --show-cursor -q --no-pager | sed -n 's/^-- cursor: //p')
set_roam 198.51.100.8
run_capture hook_nm eth0 up
nm_rc=$RC
nd_env=(IFACE=eth0 STATE=routable AdministrativeState=configured OperationalState=routable)
run_capture hook_nd routable
expect_equal "firewall off: both hooks exit 0" "$nm_rc $RC" "0 0"
sleep 2
expect_equal "firewall off: the refresh unit did not run" \
    "$(unit_prop spice-connect-firewall-refresh.service ExecMainStartTimestampMonotonic) $(in_client systemctl list-jobs --no-legend | grep -c spice-connect)" \
    "$before 0"
journal=$(in_client journalctl --after-cursor="$cursor" -q --no-pager)
[ -n "$cursor" ] && [ "$(grep -c . <<<"$journal")" -le 1 ]
expect_true "firewall off: the hooks left one journal line at most" $? \
    "$(tap_field cursor "${cursor:-none}")" "$(tap_field journal "$journal")"
check "firewall off: no rules are loaded" sh -c "! nsenter --net=/proc/$LEADER/ns/net nft list table inet spice_connect >/dev/null 2>&1"
# (The hooks check the firewall unit themselves: here, under Debian 12's
# systemd 252, `systemctl start spice-connect-firewall-refresh.service`
# with the firewall unit stopped ran the refresh all the same, its
# Requisite= notwithstanding.)
set_roam 198.51.100.7
in_client systemctl start spice-connect-firewall.service spice-connect-firewall-refresh.timer
run_capture in_client spice-connect-admin firewall verify
expect_rc "the firewall and its timer started again: verify is clean" 0

echo "# the audit unit, started by hand"
in_client systemctl start spice-connect-audit.service
expect_true "systemctl start spice-connect-audit succeeds on a correct install" $? "" \
    "$(in_client journalctl -b -u spice-connect-audit.service --no-pager | tail -n 20)"
in_client chmod 0755 /usr/bin/remote-viewer
in_client systemctl start spice-connect-audit.service
rc=$?
expect_true "it fails after the viewer's mode was broken by hand" "$([ $rc != 0 ]; echo $?)" "exit $rc"
run_capture in_client spice-connect-admin status
expect_rc "status after the failed audit run: needs attention" 1
expect_out "status reports the audit unit's last run and its error" "audit:    last timer run "
expect_out "status reports the audit unit's error count" "1 error(s)"
expect_has "the finding is in the journal" "$(in_client journalctl -b -u spice-connect-audit.service --no-pager)" \
    "/usr/bin/remote-viewer"
in_client chmod 0750 /usr/bin/remote-viewer
in_client systemctl reset-failed spice-connect-audit.service
in_client systemctl start spice-connect-audit.service
expect_true "green again once the mode is back" $?
run_capture in_client spice-connect-admin status --json
expect_equal "status --json: the unit's record (StateDirectory) says clean" \
    "$(python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["audit"]["status"], d["firewall"]["in_sync"])' <<< "$OUT" 2>&1)" "clean True"
echo "# the metrics: written after the firewall's and the audit's units, where node_exporter's textfile directory exists"
prom=/var/lib/prometheus/node-exporter/spice-connect.prom
expect_equal "no textfile directory: no metrics file" "$(in_client test -e $prom && echo present || echo absent)" absent
expect_equal "no textfile directory: the metrics unit was skipped by its condition" \
    "$(unit_prop spice-connect-metrics.service ConditionResult)" no
# Owned by node_exporter's user in real life: root writes it only with CAP_DAC_OVERRIDE.
in_client install -d -o nobody -g nogroup -m 0755 /var/lib/prometheus/node-exporter
in_client systemctl start spice-connect-firewall-refresh.service
for i in $(seq 100); do in_client test -s $prom && break; sleep 0.2; done
expect_equal "after the refresh unit: the metrics file, root 0644" "$(in_client stat -c '%U %a' $prom 2>&1)" "root 644" \
    "$(tap_field journal "$(in_client journalctl -b -u spice-connect-metrics.service --no-pager | tail -n 10)")"
in_client cat $prom >"$tmp/metrics.prom" 2>&1
check "promtool accepts the unit's metrics" promtool check metrics <"$tmp/metrics.prom"
expect_has "the unit's metrics: the firewall in sync" "$(cat "$tmp/metrics.prom")" "spice_connect_firewall_in_sync 1"
in_client rm -f $prom
in_client systemctl start spice-connect-audit.service
for i in $(seq 100); do in_client test -s $prom && break; sleep 0.2; done
expect_has "after the audit unit: the metrics again, with its run" "$(in_client cat $prom 2>&1)" "spice_connect_audit_last_run_timestamp_seconds "
expect_equal "the metrics unit succeeded" "$(unit_prop spice-connect-metrics.service Result)" success
expect_equal "systemctl --failed is empty" "$(in_client systemctl --failed --no-legend --plain 2>&1)" ""
expect_equal "systemctl is-system-running says running" "$(in_client systemctl is-system-running 2>&1)" running

echo "# console tickets under the booted systemd: the agent's and the daemon's units"
# The client is its own ticket server here. The ticket VM's host is
# 127.0.0.1: the launcher's console check (a listener of the test's on port
# 20005), the agent's connection to the ticket port 5899 and the daemon's
# answers all stay on the client's loopback, so nothing for the tickets is
# sent out of the client's network namespace (checked: the route to
# 127.0.0.1 is lo). The same map serves as the client's and the server's;
# the audit timer is stopped meanwhile: its libvirt check would compare
# this client's VMs with the daemon's libvirt (set libvirt) and fail.
in_client systemctl stop spice-connect-audit.timer
for i in $(seq 100); do [ "$(in_client systemctl is-active spice-connect-audit.service)" != activating ] && break; sleep 0.1; done
printf 'organization = "Example"\ncn = "127.0.0.1"\nip_address = "127.0.0.1"\ntls_www_server\nencryption_key\nsigning_key\nexpiration_days = 2\n' \
    >"$pki/ticketd.tmpl"
printf 'organization = "Example"\ncn = "client.example"\ndns_name = "client.example"\ntls_www_client\nsigning_key\nexpiration_days = 2\n' \
    >"$pki/agent.tmpl"
for who in ticketd agent; do
    certtool --generate-privkey --key-type=ecdsa --outfile "$pki/$who-key.pem" 2>/dev/null &&
        certtool --generate-certificate --load-privkey "$pki/$who-key.pem" --load-ca-certificate "$pki/ca-cert.pem" \
            --load-ca-privkey "$pki/ca-key.pem" --template "$pki/$who.tmpl" --outfile "$pki/$who-cert.pem" 2>/dev/null || break
done
expect_true "the ticket daemon's (IP 127.0.0.1) and the agent's (client.example) certificates from the office CA (certtool)" $?
# put PATH OWNER GROUP MODE < FILE: installed in the client as an administrator would.
put() { in_client install -D -o "$2" -g "$3" -m "$4" /dev/stdin "$1"; }
# The daemon's user comes from the package (checked below); the group
# libvirt is libvirt's own on a VM server (libvirt-daemon-system makes
# it), made here by hand: there is no libvirt daemon on the client.
{ in_client getent group libvirt >/dev/null || in_client groupadd --system libvirt; } &&
    put /etc/spice-connect/agent/cert.pem root root 0644 <"$pki/agent-cert.pem" &&
    put /etc/spice-connect/agent/key.pem spice-connect-agent spice-connect-agent 0600 <"$pki/agent-key.pem" &&
    put /etc/spice-connect/ticketd/cert.pem root root 0644 <"$pki/ticketd-cert.pem" &&
    put /etc/spice-connect/ticketd/key.pem root spice-connect-ticketd 0640 <"$pki/ticketd-key.pem"
expect_true "the group libvirt, the certificates and keys installed (agent key 0600 its own, daemon key root:spice-connect-ticketd 0640)" $?
id_of() { in_client getent "$1" "$2" | cut -d: -f3; }
agent_uid=$(id_of passwd spice-connect-agent) agent_gid=$(id_of group spice-connect-agent)
td_uid=$(id_of passwd spice-connect-ticketd) td_gid=$(id_of group spice-connect-ticketd)
spice_gid=$(id_of group spicegrp) libvirt_gid=$(id_of group libvirt)
check "the package made the agent's user (spice-connect-agent, uid ${agent_uid:-none})" test -n "$agent_uid"
check "the package made the daemon's user (spice-connect-ticketd, uid ${td_uid:-none})" test -n "$td_uid"
# The map: ticket settings, and the ticket VM tk for alice. managed-clients
# names another workstation: the daemon refuses this one's certificate.
sed '/^set require-firewall yes$/a\
set ticket-ca /etc/spice-connect/ca.pem\
set managed-clients ws1.example\
set libvirt qemu:///system' "$tmp/spice-connect.map" >"$tmp/tickets.map"
cat >>"$tmp/tickets.map" <<'MAP'
# A ticket VM whose host is the client's own loopback.
vm tk host=127.0.0.1 tls-port=20005 ca=/etc/spice-connect/ca.pem subject="O=Example,CN=127.0.0.1" ticket
allow alice tk
MAP
in_client sh -c 'cat > /etc/spice-connect.map' <"$tmp/tickets.map"
run_capture in_client spice-connect-admin check
expect_rc "the map with the ticket VM tk passes check" 0
in_client systemctl start spice-connect-firewall-refresh.service
run_capture in_client spice-connect-admin firewall verify
expect_rc "the firewall follows it (verify is clean)" 0
in_net() { nsenter --net="/proc/$LEADER/ns/net" "$@"; }
expect_has "in the client's network namespace 127.0.0.1 is reached through lo" "$(in_net ip -o route get 127.0.0.1 2>&1)" " dev lo "
# The console of tk: a socket that accepts (the launcher checks that the
# console answers before it asks the agent); nothing else there.
in_client systemd-run --quiet --unit=sc-test-console /usr/bin/systemd-socket-activate -l 127.0.0.1:20005 /bin/sleep infinity
for i in $(seq 50); do [ -n "$(in_net ss -Hltn 'sport = :20005')" ] && break; sleep 0.1; done
check "tk's console port 127.0.0.1:20005 listens (the test's stand-in)" test -n "$(in_net ss -Hltn 'sport = :20005')"
expect_equal "nothing listens on the ticket port 5899 yet" "$(in_net ss -Hltn 'sport = :5899')" ""

echo "# the agent, started by systemd on its socket"
in_client systemctl enable --now spice-connect-agent.socket
expect_true "systemctl enable --now spice-connect-agent.socket" $?
expect_equal "the agent's socket is root:spicegrp 0660" \
    "$(in_client stat -c '%U %G %a %F' /run/spice-connect-agent/agent.sock 2>&1)" "root spicegrp 660 socket"
run_capture as_user alice spice-connect tk
expect_rc "alice opens ticket VM tk, its ticket daemon unreachable: refused" 4
expect_err "the launcher's plain words: the console is not available now" \
    "spice-connect: the console of VM 'tk' is not available now: the VM may be switched off."
expect_equal "systemd started spice-connect-agent.service on the socket" \
    "$(unit_prop spice-connect-agent.service ActiveState) $(unit_prop spice-connect-agent.service NRestarts)" "active 0"
# proc_field PID FIELD: a line of /proc/PID/status, its fields joined by spaces.
proc_field() { in_client cat "/proc/$1/status" 2>/dev/null | awk -v k="$2:" '$1 == k { $1 = ""; sub(/^ /, ""); print }'; }
# sandboxed NAME PID UID GID GROUPS: the process's ids, its groups (systemd
# lists its own group too; sorted), no new privileges, no capability, a
# seccomp filter, a child of systemd.
sandboxed() {
    local name=$1 pid=$2
    expect_equal "$name: uid and gid its own user's (real, effective, saved, fs)" \
        "$(proc_field "$pid" Uid) / $(proc_field "$pid" Gid)" "$3 $3 $3 $3 / $4 $4 $4 $4"
    expect_equal "$name: groups its own and $5 only" "$(proc_field "$pid" Groups | words)" "$(words <<<"$4 $5")"
    expect_equal "$name: NoNewPrivs 1, CapEff, CapPrm and CapBnd empty, Seccomp 2 (filter), parent PID 1" \
        "$(proc_field "$pid" NoNewPrivs) $(proc_field "$pid" CapEff) $(proc_field "$pid" CapPrm) $(proc_field "$pid" CapBnd) $(proc_field "$pid" Seccomp) $(proc_field "$pid" PPid)" \
        "1 0000000000000000 0000000000000000 0000000000000000 2 1"
}
# words: the words of the input, sorted, on one line.
words() { tr -s ' \t' '\n\n' | sed '/^$/d' | sort | xargs; }
agent_pid=$(unit_prop spice-connect-agent.service MainPID)
sandboxed "the agent (pid ${agent_pid:-?})" "${agent_pid:-0}" "$agent_uid" "$agent_gid" "$spice_gid"
# journal_has UNIT TEXT...: within 5 s the unit's journal holds every TEXT
# (journald takes its time); JOURNAL is what it held.
journal_has() {
    local unit=$1 i t ok
    shift
    for i in $(seq 50); do
        JOURNAL=$(in_client journalctl -b -u "$unit" --no-pager 2>&1)
        ok=1
        for t in "$@"; do [[ $JOURNAL == *"$t"* ]] || ok=0; done
        [ $ok = 1 ] && return 0
        sleep 0.1
    done
    return 1
}
journal_has spice-connect-agent.service "alice (uid 2001 gid $spice_gid" "VM tk: no ticket: " "5899"
expect_true "the agent's line for alice's refusal is in its unit's journal (no ticket: port 5899 unreachable)" $? \
    "$(tap_field journal "$(tail -n 5 <<<"$JOURNAL")")"
# as_ids USER GROUP CMD...: USER with GROUP as real and effective group and no other.
as_ids() { local u=$1 g=$2; shift 2; in_client setpriv --reuid="$u" --regid="$g" --clear-groups /bin/sh -c 'exec "$0" "$@"' "$@"; }
run_capture as_ids bob bob logger --socket-errors=on -u /run/spice-connect-agent/agent.sock "ticket tk"
expect_rc "bob (not in spicegrp) connecting to the agent's socket himself: refused" 1
expect_err "refused by the socket's mode: Permission denied" "Permission denied"
run_capture as_ids bob spicegrp logger --socket-errors=on -u /run/spice-connect-agent/agent.sock "ticket tk"
expect_rc "the same connection as bob with the launcher's group gets through (the mode refused him, nothing else)" 0

echo "# the ticket daemon under systemd: no libvirt on the client"
in_client systemctl start spice-connect-ticketd.socket spice-connect-ticketd.service
for i in $(seq 100); do [ "$(unit_prop spice-connect-ticketd.service ActiveState)" = failed ] && break; sleep 0.1; done
expect_equal "the daemon cannot connect to libvirt (qemu:///system): it exits 3" \
    "$(unit_prop spice-connect-ticketd.service Result) $(unit_prop spice-connect-ticketd.service ExecMainStatus)" "exit-code 3"
# td_entry TEXT: the daemon's verbose journal entry whose MESSAGE holds TEXT.
td_entry() {
    in_client journalctl -b -u spice-connect-ticketd.service -o verbose --no-pager 2>/dev/null |
        awk -v t="$1" '/^[^ ]/ { if (found) { printf "%s", e; done = 1; exit } e = "" }
                       { e = e $0 "\n" } /^    MESSAGE=/ && index($0, t) { found = 1 }
                       END { if (found && !done) printf "%s", e }'
}
for i in $(seq 50); do entry=$(td_entry "cannot connect to libvirt at qemu:///system"); [ -n "$entry" ] && break; sleep 0.1; done
for field in SYSLOG_IDENTIFIER=spice-connect-ticketd PRIORITY=3 _UID=$td_uid _SYSTEMD_UNIT=spice-connect-ticketd.service; do
    expect_has "its error line in the journal (-u spice-connect-ticketd -o verbose): $field" "$entry" "    $field" \
        "$(tap_field journal "$(in_client journalctl -b -u spice-connect-ticketd.service --no-pager | tail -n 5)")"
done
sleep 6  # RestartSec=5s
expect_equal "exit 3 is not restarted (RestartPreventExitStatus): failed, no restart, its socket still listening" \
    "$(unit_prop spice-connect-ticketd.service ActiveState) $(unit_prop spice-connect-ticketd.service NRestarts) $(unit_prop spice-connect-ticketd.socket ActiveState)" \
    "failed 0 active"

echo "# the ticket daemon with libvirt's test driver (test:///default, in its own process): it starts"
sed 's|^set libvirt qemu:///system$|set libvirt test:///default|' "$tmp/tickets.map" | in_client sh -c 'cat > /etc/spice-connect.map'
in_client systemctl reset-failed spice-connect-ticketd.service
in_client systemctl start spice-connect-ticketd.service
for i in $(seq 100); do [ -n "$(td_entry "ready: tickets for the map")" ] && break; sleep 0.1; done
expect_equal "spice-connect-ticketd.service is running and ready (its journal says so)" \
    "$(unit_prop spice-connect-ticketd.service ActiveState) $([ -n "$(td_entry "ready: tickets for the map")" ] && echo ready)" "active ready" \
    "$(tap_field journal "$(in_client journalctl -b -u spice-connect-ticketd.service --no-pager | tail -n 5)")"
td_pid=$(unit_prop spice-connect-ticketd.service MainPID)
sandboxed "the daemon (pid ${td_pid:-?})" "${td_pid:-0}" "$td_uid" "$td_gid" "$spice_gid $libvirt_gid"
run_capture in_client nsenter -t "${td_pid:-0}" -m /bin/sh -c ': > /etc/spice-connect-sandbox-probe'
expect_err "in the daemon's mount namespace /etc is read-only (ProtectSystem=strict)" "Read-only file system"
expect_equal "in the daemon's mount namespace /home is empty (ProtectHome)" "$(in_client nsenter -t "${td_pid:-0}" -m ls -A /home 2>&1)" ""
for p in User=spice-connect-ticketd NoNewPrivileges=yes ProtectSystem=strict CapabilityBoundingSet= AmbientCapabilities= \
         ProtectHome=yes PrivateTmp=yes PrivateDevices=yes "RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6" \
         MemoryDenyWriteExecute=yes LockPersonality=yes "SupplementaryGroups=libvirt spicegrp"; do
    expect_equal "systemctl show spice-connect-ticketd.service: $p" \
        "${p%%=*}=$(unit_prop spice-connect-ticketd.service "${p%%=*}" | words)" "${p%%=*}=$(words <<<"${p#*=}")"
done
run_capture as_user alice spice-connect tk
expect_rc "alice opens tk: this client is not in managed-clients, the daemon refuses it" 3
expect_err "the launcher's plain words: not registered for console tickets" \
    "spice-connect: this computer is not registered for console tickets; tell your administrator"
for i in $(seq 50); do entry=$(td_entry "client client.example is not in managed-clients"); [ -n "$entry" ] && break; sleep 0.1; done
for field in SPICE_CONNECT_EVENT=refused SPICE_CONNECT_USER=alice SPICE_CONNECT_VM=tk SPICE_CONNECT_CLIENT=client.example \
             SPICE_CONNECT_ADDRESS= SYSLOG_IDENTIFIER=spice-connect-ticketd PRIORITY=5 _UID=$td_uid; do
    expect_has "the refusal's journal entry (journald, the session log's fields): $field" "$entry" "    $field" \
        "$(tap_field journal "$(in_client journalctl -b -u spice-connect-ticketd.service --no-pager | tail -n 5)")"
done
journal_has spice-connect-agent.service "the ticket daemon on 127.0.0.1 refused: unmanaged"
expect_true "the agent's line: the daemon refused this client (unmanaged)" $? "$(tap_field journal "$(tail -n 5 <<<"$JOURNAL")")"
run_capture in_client spice-connect-admin sessions
expect_out "spice-connect-admin sessions reads the daemon's state file (the refusal for client.example)" "client.example"

echo "# systemd-analyze security (fails above an exposure of 2.0; both are well below with these units)"
analysis=$(in_client systemd-analyze security --no-pager spice-connect-agent.service spice-connect-ticketd.service 2>&1)
for unit in spice-connect-agent.service spice-connect-ticketd.service; do
    score=$(sed -n "s/.*Overall exposure level for $unit: \([0-9.]*\).*/\1/p" <<<"$analysis")
    note "systemd-analyze security: $unit: exposure ${score:-?}"
    awk -v s="${score:-99}" 'BEGIN { exit !(s + 0 <= 2.0) }'
    expect_true "$unit: exposure ${score:-?}, at most 2.0" $? "$(tap_field analysis "$(grep -v '✓' <<<"$analysis")")"
done

# Back to the client as it was: no ticket units, the first map.
in_client systemctl disable --now spice-connect-agent.socket
in_client systemctl stop spice-connect-agent.service spice-connect-ticketd.socket spice-connect-ticketd.service sc-test-console.service
in_client sh -c 'cat > /etc/spice-connect.map' <"$tmp/spice-connect.map"
audit_before=$(unit_prop spice-connect-audit.service ExecMainStartTimestampMonotonic)
in_client systemctl start spice-connect-firewall-refresh.service spice-connect-audit.timer
run_capture in_client spice-connect-admin firewall verify
expect_rc "ticket units stopped, the first map back: verify is clean" 0
# The timer started again runs the audit 20 s later (the drop-in).
for i in $(seq 120); do
    [ "$(unit_prop spice-connect-audit.service ExecMainStartTimestampMonotonic)" != "$audit_before" ] &&
        [ "$(in_client systemctl is-active spice-connect-audit.service)" != activating ] && break
    sleep 0.5
done
expect_equal "the audit timer started again: its run is green" "$(unit_prop spice-connect-audit.service Result)" success \
    "$(tap_field journal "$(in_client journalctl -b -u spice-connect-audit.service --no-pager | tail -n 10)")"
expect_equal "systemctl --failed is empty after the ticket units" "$(in_client systemctl --failed --no-legend --plain 2>&1)" "" \
    "$(tap_field journal "$(in_client journalctl -b -u spice-connect-audit.service --no-pager | tail -n 10)")"

echo "# upgrade, virt-viewer reinstalled, remove, purge (under the booted systemd)"
apt_in() { in_client env DEBIAN_FRONTEND=noninteractive apt-get -y -q -o Dpkg::Use-Pty=0 --no-install-recommends "$@" >"$tmp/apt.log" 2>&1; }
mode() { in_client stat -c '%U %G %a' "$1" 2>&1; }
apt_in install --reinstall /var/tmp/spice-connect.deb
expect_true "upgrade: the same .deb installed again" $? "" "$(tail -n 20 "$tmp/apt.log")"
expect_equal "upgrade: the firewall stays active" "$(in_client systemctl is-active spice-connect-firewall.service)" active \
    "$(tap_field journal "$(in_client journalctl -b -u spice-connect-firewall.service -u spice-connect-firewall-refresh.service --no-pager | tail -n 25)")" \
    "$(tap_field apt "$(tail -n 15 "$tmp/apt.log")")"
run_capture in_client spice-connect-admin firewall verify
expect_rc "upgrade: verify is clean" 0
expect_equal "upgrade: the launcher is root:spicegrp 2755" "$(mode /usr/bin/spice-connect)" "root spicegrp 2755"
apt_in install --reinstall virt-viewer
expect_true "virt-viewer reinstalled (from the root's cache)" $? "" "$(tail -n 20 "$tmp/apt.log")"
expect_equal "virt-viewer reinstalled: the viewer stays root:spicegrp 750" "$(mode /usr/bin/remote-viewer)" "root spicegrp 750"
apt_in remove spice-connect
expect_true "remove" $? "" "$(tail -n 20 "$tmp/apt.log")"
for unit in spice-connect-firewall.service spice-connect-firewall-refresh.timer spice-connect-audit.timer; do
    expect_equal "remove: $unit is stopped" "$(in_client systemctl is-active "$unit")" inactive
done
nsenter --net="/proc/$LEADER/ns/net" nft list table inet spice_connect >/dev/null 2>&1
expect_true "remove: the rules are unloaded" "$([ $? != 0 ]; echo $?)" "table inet spice_connect is still loaded"
apt_in purge spice-connect
expect_true "purge" $? "" "$(tail -n 20 "$tmp/apt.log")"
expect_equal "purge: the viewer's mode is given back (root root 755)" "$(mode /usr/bin/remote-viewer)" "root root 755"
expect_equal "purge: no stat override is left" "$(in_client dpkg-statoverride --list | grep -c spice)" 0
expect_equal "systemctl --failed is empty at the end" "$(in_client systemctl --failed --no-legend --plain 2>&1)" "" \
    "$(tap_field journal "$(in_client journalctl -b -u spice-connect-audit.service --no-pager | tail -n 15)")"
note "booted client test: $((SECONDS - start)) s"
finish
