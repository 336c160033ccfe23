# Two test hosts joined by a veth pair, each a network namespace held open
# by a sleeping process (no /run/netns needed): "server" (the KVM host with
# two IPv4 and two IPv6 addresses) and "client" (a workstation). Addresses
# are from the documentation ranges and exist only inside these namespaces.
SERVER_V4=192.0.2.2
SERVER_V4_2=192.0.2.3
SERVER_V6=2001:db8::2
SERVER_V6_2=2001:db8::3
CLIENT_V4=192.0.2.10
CLIENT_V6=2001:db8::10

network_start() {
    unshare --net sleep infinity & NET_SERVER_PID=$!
    unshare --net sleep infinity & NET_CLIENT_PID=$!
    sleep 0.2
    local s="nsenter --net=/proc/$NET_SERVER_PID/ns/net" c="nsenter --net=/proc/$NET_CLIENT_PID/ns/net"
    $c ip link add veth-c type veth peer name veth-s netns "$NET_SERVER_PID"
    $c ip link set lo up; $s ip link set lo up
    $c ip addr add $CLIENT_V4/24 dev veth-c
    $c ip -6 addr add $CLIENT_V6/64 dev veth-c nodad
    $s ip addr add $SERVER_V4/24 dev veth-s
    $s ip addr add $SERVER_V4_2/24 dev veth-s
    $s ip -6 addr add $SERVER_V6/64 dev veth-s nodad
    $s ip -6 addr add $SERVER_V6_2/64 dev veth-s nodad
    $c ip link set veth-c up; $s ip link set veth-s up
}

network_stop() {
    kill "${NET_LISTENER_PID:-}" "${NET_SERVER_PID:-}" "${NET_CLIENT_PID:-}" 2>/dev/null
    wait 2>/dev/null
}

on_server() { nsenter --net="/proc/$NET_SERVER_PID/ns/net" "$@"; }
on_client() { nsenter --net="/proc/$NET_CLIENT_PID/ns/net" "$@"; }

# network_listen PORT...: the "VM consoles" on the server, all addresses.
network_listen() {
    # nsenter directly, not the on_server function: a function in the
    # background runs in a subshell, $! would be that subshell, and
    # network_stop would leave the listener (and its namespace) behind.
    nsenter --net="/proc/$NET_SERVER_PID/ns/net" python3 "$(dirname "${BASH_SOURCE[0]}")/listener.py" "$@" \
        > "$OFFICE/log/listener.out" 2>&1 &
    NET_LISTENER_PID=$!
    local i
    for i in $(seq 50); do grep -q listening "$OFFICE/log/listener.out" 2>/dev/null && return 0; sleep 0.1; done
    echo "network.sh: listener did not start" >&2; cat "$OFFICE/log/listener.out" >&2; exit 4
}
