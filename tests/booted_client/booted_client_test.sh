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
# stopped), and do nothing with the firewall off; then upgrade,
# virt-viewer reinstalled, remove and purge.
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
expect_equal "systemctl --failed is empty at the end" "$(in_client systemctl --failed --no-legend --plain 2>&1)" ""
note "booted client test: $((SECONDS - start)) s"
finish
