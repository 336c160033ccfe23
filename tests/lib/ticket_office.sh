# shellcheck shell=bash
# The ticket office (docs/tickets.md) with real parts, one copy for the
# scripts that run it: tests/tickets (end to end), tests/server (the
# daemon) and the demo (tests/e2e/office_e2e.sh). Sourced after office.sh,
# inside the private mount namespace office_setup made: $OFFICE is set and
# every log written here goes to $OFFICE/log. /run must be a private
# tmpfs already (the caller mounts it). Where network.sh's namespaces
# exist (NET_SERVER_PID, NET_CLIENT_PID), libvirtd, QEMU and the daemon run
# in the server's and the agent in the client's; otherwise all run here.
#
#   ticket_pki DIR SERVER_NAME SERVER_ADDR [CLIENT...]
#       The site PKI, made with certtool for this run: the CA
#       (DIR/ca-cert.pem, DIR/ca-key.pem); QEMU's SPICE directory DIR/qemu
#       (ca-cert.pem, server-cert.pem, server-key.pem; 0700); the daemon's
#       DIR/ticketd-cert.pem and DIR/ticketd-key.pem; for each CLIENT (a
#       host name) a TLS client certificate DIR/STEM-cert.pem and
#       DIR/STEM-key.pem, STEM the name's first label. Both server
#       certificates name SERVER_NAME and SERVER_ADDR.
#   ticket_pki_ca DIR CN
#       A CA alone: DIR/ca-key.pem and DIR/ca-cert.pem.
#   ticket_pki_cert CA_DIR PREFIX TEMPLATE_LINE...
#       One more certificate of CA_DIR's CA, from certtool template lines:
#       PREFIX-key.pem and PREFIX-cert.pem.
#   ticket_agent_certificate PREFIX DIR
#       PREFIX-cert.pem and PREFIX-key.pem become DIR/cert.pem (0644) and
#       DIR/key.pem (the agent's user's, 0600, as the agent insists); the
#       user spice-connect-agent is made as packaging/sysusers makes it.
#   ticket_libvirtd_start QEMU_PKI_DIR
#       libvirtd with its QEMU driver alone, SPICE over TLS with the
#       certificates in QEMU_PKI_DIR; sets TICKET_LIBVIRT_URI (its socket,
#       in $OFFICE) and TICKET_LIBVIRTD_PID.
#   ticket_domain_start NAME PORT ADDR [QMP_SOCKET]
#       Defines and starts a TCG domain (64 MB, no disk: SeaBIOS on qxl is
#       its screen) with SPICE over TLS only on ADDR:PORT and a password
#       nobody knows (TICKET_DOMAIN_PASSWORD); with QMP_SOCKET a QMP
#       monitor of the caller's own there (libvirt holds its own).
#   ticket_daemon_start TICKETD LISTEN MAP SESSIONS LOG [ARG...]
#       spice-connect-ticketd under systemd-socket-activate on LISTEN
#       (ADDR:PORT), --log stderr into LOG; true once LISTEN listens.
#   ticket_agent_start AGENT SOCKET CERT KEY LOG
#       spice-connect-agent as its unit runs it: its own user with the
#       launcher's group as a supplementary one, on SOCKET as its socket
#       unit makes it (root:spicegrp 0660); true once SOCKET is there.
#   ticket_office_stop
#       Stops whatever of the above runs (for the EXIT trap; before
#       network_stop, which waits for every child).
#
# Nothing reaches the host: /etc/libvirt holds only what is written here
# (the office's copy of /etc), /var is an overlay whose changes stay in
# $OFFICE, the cgroup tree is unmounted in this namespace (libvirt then
# makes no machine cgroups), libvirtd listens only on its socket in
# $OFFICE, and QEMU only on the address it is given.

# Sourced again (by office_e2e.sh, then by its caller), it keeps what runs.
[ -n "${TICKET_AGENT_PIDS+set}" ] || TICKET_AGENT_PIDS=()
: "${TICKET_DAEMON_PID:=}" "${TICKET_LIBVIRTD_PID:=}" "${TICKET_LIBVIRT_URI:=}"

# ticket_netns server|client: TICKET_NS becomes the command prefix that
# enters that network namespace (empty without network.sh's). A prefix,
# not a function: started in the background, "$!" is then the program.
ticket_netns() {
    local pid
    if [ "$1" = server ]; then pid=${NET_SERVER_PID:-}; else pid=${NET_CLIENT_PID:-}; fi
    TICKET_NS=()
    [ -n "$pid" ] && TICKET_NS=(nsenter --net="/proc/$pid/ns/net")
}

# --- certificates -----------------------------------------------------------

ticket_pki_ca() {
    mkdir -p "$1"
    printf 'cn = "%s"\nca\ncert_signing_key\nexpiration_days = 2\n' "$2" >"$1/ca.tmpl"
    { certtool --generate-privkey --key-type=ecdsa --outfile "$1/ca-key.pem" &&
      certtool --generate-self-signed --load-privkey "$1/ca-key.pem" --template "$1/ca.tmpl" \
               --outfile "$1/ca-cert.pem"; } >>"$OFFICE/log/certtool.log" 2>&1
}

ticket_pki_cert() {
    local ca=$1 prefix=$2
    shift 2
    printf '%s\n' "$@" "expiration_days = 2" >"$prefix.tmpl"
    { certtool --generate-privkey --key-type=ecdsa --outfile "$prefix-key.pem" &&
      certtool --generate-certificate --load-privkey "$prefix-key.pem" --load-ca-certificate "$ca/ca-cert.pem" \
               --load-ca-privkey "$ca/ca-key.pem" --template "$prefix.tmpl" --outfile "$prefix-cert.pem"; } \
        >>"$OFFICE/log/certtool.log" 2>&1
}

ticket_pki() {
    local dir=$1 name=$2 addr=$3 client
    shift 3
    local server=("cn = \"$name\"" "dns_name = \"$name\"" "ip_address = \"$addr\"" tls_www_server encryption_key signing_key)
    ticket_pki_ca "$dir" "Ticket office test CA" &&
    ticket_pki_cert "$dir" "$dir/qemu-server" "${server[@]}" &&
    ticket_pki_cert "$dir" "$dir/ticketd" "${server[@]}" || return 1
    for client in "$@"; do
        ticket_pki_cert "$dir" "$dir/${client%%.*}" "cn = \"$client\"" "dns_name = \"$client\"" tls_www_client signing_key ||
            return 1
    done
    # QEMU reads its directory as root; nobody else needs to.
    mkdir -p "$dir/qemu"
    cp "$dir/ca-cert.pem" "$dir/qemu/ca-cert.pem"
    mv "$dir/qemu-server-cert.pem" "$dir/qemu/server-cert.pem"
    mv "$dir/qemu-server-key.pem" "$dir/qemu/server-key.pem"
    chmod 0700 "$dir/qemu"
}

ticket_agent_certificate() {
    getent group spice-connect-agent >/dev/null || echo "spice-connect-agent:x:990:" >>/etc/group
    getent passwd spice-connect-agent >/dev/null ||
        echo "spice-connect-agent:x:990:990:spice-connect ticket agent:/nonexistent:/usr/sbin/nologin" >>/etc/passwd
    mkdir -p "$2"
    install -m 0644 "$1-cert.pem" "$2/cert.pem" &&
    install -o spice-connect-agent -g spice-connect-agent -m 0600 "$1-key.pem" "$2/key.pem"
}

# --- the VM server ----------------------------------------------------------

ticket_libvirtd_start() {
    local pki=$1 lib=$OFFICE/libvirt drivers
    mkdir -p "$lib/var-up" "$lib/var-work" "$lib/sock" "$lib/drivers" "$OFFICE/vm"
    mount -t overlay spice-var -o "lowerdir=/var,upperdir=$lib/var-up,workdir=$lib/var-work" /var || return 1
    # With no cgroup hierarchy mounted libvirt places QEMU in none (the
    # host's cgroup tree is shared with every mount namespace).
    umount -R /sys/fs/cgroup 2>/dev/null || umount -l /sys/fs/cgroup 2>/dev/null
    # Only the QEMU connection driver is there to load.
    drivers=$(dirname "$(compgen -G '/usr/lib/*/libvirt/connection-driver/libvirt_driver_qemu.so' | head -1)")
    cp "$drivers/libvirt_driver_qemu.so" "$lib/drivers/" && mount --bind "$lib/drivers" "$drivers" || return 1
    # The QEMU driver resolves the Debian build's user libvirt-qemu.
    getent passwd libvirt-qemu >/dev/null || echo "libvirt-qemu:x:64055:64055:libvirt test:/nonexistent:/usr/sbin/nologin" >>/etc/passwd
    getent group libvirt-qemu >/dev/null || echo "libvirt-qemu:x:64055:" >>/etc/group
    # No domain or network of the host's is loaded.
    rm -rf /etc/libvirt; mkdir -p /etc/libvirt
    cat >/etc/libvirt/libvirtd.conf <<EOF
listen_tls = 0
listen_tcp = 0
unix_sock_dir = "$lib/sock"
auth_unix_ro = "none"
auth_unix_rw = "none"
EOF
    # cgroup_controllers, security_driver: nothing outside the namespace;
    # namespaces: QEMU shares this /dev (office_syslog_start may make a
    # private one).
    cat >/etc/libvirt/qemu.conf <<EOF
stdio_handler = "file"
spice_tls = 1
spice_tls_x509_cert_dir = "$pki"
user = "root"
group = "root"
cgroup_controllers = [ ]
security_driver = "none"
namespaces = [ ]
EOF
    ticket_netns server
    "${TICKET_NS[@]}" libvirtd -f /etc/libvirt/libvirtd.conf -p /run/libvirtd.pid >"$OFFICE/log/libvirtd.log" 2>&1 &
    TICKET_LIBVIRTD_PID=$!
    TICKET_LIBVIRT_URI="qemu+unix:///system?socket=$lib/sock/libvirt-sock"
    for _ in $(seq 100); do [ -S "$lib/sock/libvirt-sock" ] && return 0; sleep 0.1; done
    return 1
}

# A ticket domain is defined with a password nobody knows: without one
# QEMU runs SPICE with disable-ticketing and refuses every later password,
# so the daemon could set none.
ticket_domain_start() {
    local name=$1 port=$2 addr=$3 qmp=${4:-} monitor=""
    TICKET_DOMAIN_PASSWORD=$(head -c 24 /dev/urandom | base64)
    [ -n "$qmp" ] &&
        monitor="<qemu:commandline><qemu:arg value='-qmp'/><qemu:arg value='unix:$qmp,server=on,wait=off'/></qemu:commandline>"
    mkdir -p "$OFFICE/vm"
    cat >"$OFFICE/vm/$name.xml" <<EOF
<domain type='qemu' xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'>
  <name>$name</name><memory unit='MiB'>64</memory>
  <os><type arch='x86_64' machine='pc'>hvm</type></os>
  <devices><emulator>/usr/bin/qemu-system-x86_64</emulator>
    <graphics type='spice' autoport='no' tlsPort='$port' defaultMode='secure' passwd='$TICKET_DOMAIN_PASSWORD'>
      <listen type='address' address='$addr'/>
    </graphics>
    <video><model type='qxl'/></video></devices>
  $monitor
</domain>
EOF
    timeout 60 virsh -c "$TICKET_LIBVIRT_URI" "define $OFFICE/vm/$name.xml; start $name" >>"$OFFICE/log/virsh.log" 2>&1
}

ticket_daemon_start() {
    local daemon=$1 listen=$2 map=$3 sessions=$4 log=$5
    shift 5
    ticket_netns server
    "${TICKET_NS[@]}" systemd-socket-activate -l "$listen" \
        "$daemon" --map "$map" --sessions "$sessions" --log stderr "$@" >"$log" 2>&1 &
    TICKET_DAEMON_PID=$!
    for _ in $(seq 50); do
        "${TICKET_NS[@]}" ss -Hltn "sport = :${listen##*:}" | grep -qF "$listen" && return 0
        sleep 0.1
    done
    return 1
}

# --- the client ---------------------------------------------------------------

ticket_agent_start() {
    local agent=$1 socket=$2 cert=$3 key=$4 log=$5
    mkdir -p "$(dirname "$socket")"
    ticket_netns client
    "${TICKET_NS[@]}" systemd-socket-activate -l "$socket" \
        setpriv --reuid=spice-connect-agent --regid=spice-connect-agent --groups=spicegrp -- \
        "$agent" --cert "$cert" --key "$key" --idle-exit 0 >"$log" 2>&1 &
    TICKET_AGENT_PIDS+=($!)
    for _ in $(seq 50); do [ -S "$socket" ] && break; sleep 0.1; done
    chgrp spicegrp "$socket" && chmod 0660 "$socket"
}

# --- the end -------------------------------------------------------------------

ticket_office_stop() {
    local p f pid
    for p in "${TICKET_AGENT_PIDS[@]}"; do kill "$p" 2>/dev/null; done
    for p in "${TICKET_AGENT_PIDS[@]}"; do wait "$p" 2>/dev/null; done
    TICKET_AGENT_PIDS=()
    office_stop TICKET_DAEMON_PID
    if [ -n "$TICKET_LIBVIRTD_PID" ]; then
        for p in $(timeout 20 virsh -c "$TICKET_LIBVIRT_URI" list --name 2>/dev/null); do
            timeout 20 virsh -c "$TICKET_LIBVIRT_URI" destroy "$p" >/dev/null 2>&1
        done
    fi
    # QEMU is not our child (libvirtd daemonizes it): by its pid file,
    # should virsh have failed.
    for f in /run/libvirt/qemu/*.pid; do
        [ -f "$f" ] || continue
        pid=$(cat "$f" 2>/dev/null)
        if [ -z "$pid" ] || ! grep -qs qemu "/proc/$pid/cmdline"; then continue; fi
        kill "$pid" 2>/dev/null
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$pid" 2>/dev/null
    done
    office_stop TICKET_LIBVIRTD_PID
}
