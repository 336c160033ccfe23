#!/bin/bash
# `spice-connect-admin import` and `verify-vms` against real QEMU domains
# through libvirt's embedded QEMU driver (qemu:///embed?root=DIR): an
# autoport domain's TLS port is really listening, import turns it into a
# valid map with its warnings, verify-vms calls autoport drift, and after a
# restart that moves the port it names the changed port. Usage, as root:
#   unshare --mount --net --propagation private bash embed_qemu_test.sh ADMIN
# Nothing reaches the host: the embed root, the certificates and the logs
# live in a tmpfs; /run (where the embed driver still writes libvirt/common
# and libvirt/hostdevmgr), /etc/passwd and /etc/group are private mounts;
# the cgroup tree is unmounted in this namespace, so libvirt makes no
# machine cgroups on the host; QEMU listens in this network namespace only.
set -u
here=$(dirname "$(readlink -f "$0")")
. "$here/../lib/office.sh"
. "$here/../lib/assert.sh"
ADMIN=$(readlink -f "$1")

# Tools: a missing one fails the run and names its package; no silent skip.
require_tools virsh:libvirt-clients qemu-system-x86_64:qemu-system-x86 certtool:gnutls-bin \
              ss:iproute2 ip:iproute2 timeout:coreutils \
              "/usr/lib/*/libvirt/connection-driver/libvirt_driver_qemu.so:libvirt-daemon-driver-qemu" || finish
office_require_namespace

# The host's view (through our parent, which unshare left outside): none of
# these may appear because of this test.
HOST_ROOT=/proc/$PPID/root
HOST_DIRS="/run/libvirt /var/lib/libvirt /var/cache/libvirt /var/log/libvirt"
host_libvirt_dirs() { local d; for d in $HOST_DIRS; do [ -e "$HOST_ROOT$d" ] && echo "$d"; done; }
host_dirs_before=$(host_libvirt_dirs)

work=$(mktemp -d /tmp/spice-connect-embed.XXXXXX)
R=$work/root
U="qemu:///embed?root=$R"
# QEMU is not our child (libvirt daemonizes it): kill it by its pid file
# should virsh not manage, then drop the tmpfs and the directory.
cleanup() {
    local pid f i
    cd /
    if [ -d "$R/run/qemu" ]; then
        timeout 20 virsh -c "$U" "destroy office-a; destroy office-b" >/dev/null 2>&1
        for f in "$R"/run/qemu/*.pid; do
            [ -f "$f" ] || continue
            pid=$(cat "$f" 2>/dev/null)
            [ -n "$pid" ] && grep -qs qemu "/proc/$pid/cmdline" || continue
            kill "$pid" 2>/dev/null
            for i in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
            kill -9 "$pid" 2>/dev/null
        done
    fi
    office_teardown "$work"
}
trap cleanup EXIT
office_private_tmpfs "$work" spice-embed
mount -t tmpfs -o mode=0755 spice-run /run
# With no cgroup hierarchy mounted libvirt places QEMU in none (the host's
# cgroup tree is shared with every mount namespace).
umount -R /sys/fs/cgroup 2>/dev/null || umount -l /sys/fs/cgroup 2>/dev/null
ip link set lo up

# The embed driver resolves the Debian build's default user libvirt-qemu
# before it reads qemu.conf: give it one in private copies.
mkdir -p "$work/etc" "$R/etc" "$work/pki"
cp /etc/passwd /etc/group "$work/etc/"
getent passwd libvirt-qemu >/dev/null || echo "libvirt-qemu:x:64055:64055:libvirt test:/nonexistent:/usr/sbin/nologin" >>"$work/etc/passwd"
getent group libvirt-qemu >/dev/null || echo "libvirt-qemu:x:64055:" >>"$work/etc/group"
mount --bind "$work/etc/passwd" /etc/passwd
mount --bind "$work/etc/group" /etc/group

# ------------------------------------------------------------- certificates
pki=$work/pki
printf 'cn = "embed test CA"\nca\ncert_signing_key\nexpiration_days = 2\n' >"$work/ca.tmpl"
printf 'cn = "localhost"\nip_address = "127.0.0.1"\ntls_www_server\nencryption_key\nsigning_key\nexpiration_days = 2\n' >"$work/server.tmpl"
{ certtool --generate-privkey --key-type=ecdsa --outfile "$work/ca-key.pem" &&
  certtool --generate-self-signed --load-privkey "$work/ca-key.pem" --template "$work/ca.tmpl" \
           --outfile "$pki/ca-cert.pem" &&
  certtool --generate-privkey --key-type=ecdsa --outfile "$pki/server-key.pem" &&
  certtool --generate-certificate --load-privkey "$pki/server-key.pem" \
           --load-ca-certificate "$pki/ca-cert.pem" --load-ca-privkey "$work/ca-key.pem" \
           --template "$work/server.tmpl" --outfile "$pki/server-cert.pem"; } >"$work/certtool.log" 2>&1
expect_true "certtool makes the certificates" $? "" "$(tail -5 "$work/certtool.log")" || finish

# ------------------------------------------------------------ the embed root
# cgroup_controllers and security_driver: nothing outside the embed root
# (no cgroups, no AppArmor profiles loaded into the host's kernel).
cat >"$R/etc/qemu.conf" <<EOF
stdio_handler = "file"
spice_tls = 1
spice_tls_x509_cert_dir = "$pki"
spice_listen = "127.0.0.1"
user = "root"
group = "root"
cgroup_controllers = [ ]
security_driver = "none"
EOF
for name in office-a office-b; do
    cat >"$work/$name.xml" <<EOF
<domain type='qemu'><name>$name</name><memory unit='MiB'>64</memory>
  <os><type arch='x86_64' machine='pc'>hvm</type></os>
  <devices><emulator>/usr/bin/qemu-system-x86_64</emulator>
    <graphics type='spice' autoport='yes'/><video><model type='qxl'/></video></devices></domain>
EOF
done

# Only one process at a time may open the embed root: virsh and the admin
# tool run one after another. libvirt's info lines on stderr go to a log.
vsh() { timeout 30 virsh -c "$U" "$@" >>"$work/virsh.log" 2>&1; }
state_of() { timeout 30 virsh -r -c "$U" domstate "$1" 2>>"$work/virsh.log" | head -1; }
# ports_of DOMAIN: PLAIN and TLS, the ports in the live XML (empty when none).
ports_of() {
    local g
    g=$(timeout 30 virsh -r -c "$U" dumpxml "$1" 2>>"$work/virsh.log" | grep -m1 "<graphics type='spice'")
    PLAIN=$(grep -o " port='[0-9]*'" <<<"$g" | tr -dc 0-9)
    TLS=$(grep -o " tlsPort='[0-9]*'" <<<"$g" | tr -dc 0-9)
}
# listening PORT: QEMU listens on 127.0.0.1:PORT (waits up to 10 s).
listening() {
    local i
    for i in $(seq 100); do
        ss -Hltnp "sport = :$1" | grep -F "127.0.0.1:$1 " | grep -q qemu && return 0
        sleep 0.1
    done
    return 1
}
# wait_state DOMAIN STATE: up to 10 s (destroy from a new virsh races the
# monitor reconnect: its exit code says nothing).
wait_state() {
    local i
    for i in $(seq 50); do [ "$(state_of "$1")" = "$2" ] && return 0; sleep 0.2; done
    return 1
}
admin() { run_capture timeout 30 "$ADMIN" "$@"; }
show_log() { tail -5 "$work/virsh.log"; tail -3 "$R"/log/qemu/*.log 2>/dev/null; }

# ------------------------------------------------- 1. a running autoport VM
vsh "define $work/office-a.xml; define $work/office-b.xml; start office-a"
wait_state office-a running
expect_equal "office-a is running" "$(state_of office-a)" running
ports_of office-a
old_port=$TLS old_plain=$PLAIN
[ -n "$old_port" ]
expect_true "libvirt assigned office-a a TLS port (autoport)" $? "no TLS port" "$(show_log)" || finish
note "office-a's TLS port: $old_port"
listening "$old_port"
expect_true "QEMU listens on office-a's TLS port at 127.0.0.1" $? "nothing on 127.0.0.1:$old_port" "$(ss -ltnp)" "$(show_log)"
qemu_pid=$(cat "$R/run/qemu/office-a.pid" 2>/dev/null)
expect_equal "QEMU runs in the test's cgroups (libvirt made none on the host)" \
    "$(cat "/proc/$qemu_pid/cgroup" 2>&1)" "$(cat /proc/self/cgroup)"

# --------------------------------------------------------------- 2. import
MAP=$work/imported.map
admin import --connect "$U" --host vmsrv.example.org
expect_rc "import" 0
printf '%s\n' "$OUT" >"$MAP"
expect_out "import: office-a's vm line" "vm office-a host=vmsrv.example.org tls-port=$old_port"
expect_out "import: autoport warning" "# warning: autoport: TLS port $old_port was assigned at this start and will change"
expect_err "import: autoport warning on stderr" "office-a: autoport: TLS port $old_port was assigned"
expect_out "import: office-b skipped" "# skipped office-b: autoport and not running"
expect_out "import: loopback warning" "# warning: SPICE listens on 127.0.0.1 only"
expect_out "import: plaintext port warning" "# warning: plaintext port $old_plain is open"
expect_out "import: set ports" "set ports "
expect_no_out "import: no vm line for office-b" "vm office-b"
admin check --map "$MAP"
expect_rc "the imported map is valid" 0

# ------------------------------------------------ 3. verify right after it
admin verify-vms --connect "$U" --map "$MAP"
expect_rc "verify-vms after import: autoport is drift" 1
expect_out "verify-vms: office-a's autoport line" "office-a: autoport: the TLS port ($old_port now) changes when the domain starts again"
expect_no_out "verify-vms: no changed port yet" "TLS port changed"
expect_equal "office-a still running after the read-only opens" "$(state_of office-a)" running

# ------------------------------------------- 4. a restart moves the port
vsh "destroy office-a"
wait_state office-a "shut off"
expect_equal "office-a stopped" "$(state_of office-a)" "shut off"
vsh "start office-b"
wait_state office-b running
vsh "start office-a"
wait_state office-a running
expect_equal "office-a running again" "$(state_of office-a)" running
ports_of office-a
new_port=$TLS new_plain=$PLAIN
ports_of office-b
b_port=$TLS b_plain=$PLAIN
[ -n "$new_port" ] && [ "$new_port" != "$old_port" ]
expect_true "office-a's TLS port moved" $? "before: $old_port, now: '$new_port'" "$(show_log)"
note "office-a's TLS port: $old_port -> $new_port"
listening "$new_port"
expect_true "QEMU listens on the new port at 127.0.0.1" $? "nothing on 127.0.0.1:$new_port" "$(ss -ltnp)"
expect_equal "office-b holds office-a's old port" "$b_port" "$old_port"

admin verify-vms --connect "$U" --map "$MAP"
expect_rc "verify-vms after the restart" 1
expect_out "verify-vms names the changed port" \
    "office-a: TLS port changed: the map says $old_port, libvirt says $new_port (running); correct tls-port= in the map"
expect_out "verify-vms: office-a's old port now opens office-b" \
    "office-a: TLS port $old_port is domain office-b's (running): whoever is granted office-a reaches that console"

# The corrected map: office-a's new port, office-b's line, both plaintext
# ports guarded: only the autoport lines remain, and the loopback ones
# (QEMU listens on 127.0.0.1 here; clients would need a forwarded port).
FIXED=$work/fixed.map
sed -e "s/^vm office-a \(.*\)tls-port=$old_port/vm office-a \1tls-port=$new_port/" \
    -e "s/^set ports .*/set ports $b_plain,$b_port,$new_plain,$new_port/" "$MAP" >"$FIXED"
echo "vm office-b host=vmsrv.example.org tls-port=$b_port" >>"$FIXED"
admin check --map "$FIXED"
expect_rc "the corrected map is valid" 0
admin verify-vms --connect "$U" --map "$FIXED"
expect_rc "verify-vms on the corrected map: autoport stays drift" 1
expect_out "corrected map: office-a's autoport line" "office-a: autoport: the TLS port ($new_port now) changes"
expect_out "corrected map: office-b's autoport line" "office-b: autoport: the TLS port ($b_port now) changes"
expect_no_out "corrected map: no changed port" "TLS port changed"
expect_out "corrected map: office-a's loopback line" "office-a: SPICE listens on 127.0.0.1 only"
others=$(grep -v -e ': autoport: ' -e ': SPICE listens on 127.0.0.1 only: ' -e '^[0-9]* differences between ' <<<"$OUT")
expect_equal "corrected map: nothing but the autoport and loopback lines" "$others" ""

# ------------------------------------------------------------ 5. teardown
vsh "destroy office-a; destroy office-b"
for name in office-a office-b; do
    wait_state "$name" "shut off"
    expect_equal "teardown: $name stopped" "$(state_of "$name")" "shut off"
done
left=""
for f in "$R"/run/qemu/*.pid; do
    [ -f "$f" ] && pid=$(cat "$f") && grep -qs qemu "/proc/$pid/cmdline" && left+=" $pid"
done
expect_equal "no QEMU left running" "$left" ""
expect_equal "no libvirt directory appeared on the host" "$(host_libvirt_dirs)" "$host_dirs_before"

summary
