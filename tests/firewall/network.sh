# Two test hosts joined by a veth pair, each a network namespace held open
# by a sleeping process (no /run/netns needed): "server" (the KVM host with
# two IPv4 and two IPv6 addresses) and "client" (a workstation). Addresses
# are from the documentation ranges and exist only inside these namespaces.
# Optionally (network_add_container) a third, "container", behind the client,
# which forwards for it; and (network_seg6_server) a server that follows
# IPv6 segment routing headers, as a router with seg6_enabled does.
SERVER_V4=192.0.2.2
SERVER_V4_2=192.0.2.3
SERVER_V6=2001:db8::2
SERVER_V6_2=2001:db8::3
CLIENT_V4=192.0.2.10
CLIENT_V6=2001:db8::10
CONTAINER_V4=198.51.100.2     # the container's side of the client's second link
CONTAINER_V6=2001:db8:1::2
CLIENT_LINK_V4=198.51.100.1   # the client's side
CLIENT_LINK_V6=2001:db8:1::1

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

# network_add_container: a user's container or VM behind the client (a veth
# pair, the client forwarding IPv4 and IPv6 for it, the server routing its
# addresses back through the client; no NAT, which would not change what the
# client's forward hook sees).
network_add_container() {
    unshare --net sleep infinity & NET_CONTAINER_PID=$!
    sleep 0.2
    local k="nsenter --net=/proc/$NET_CONTAINER_PID/ns/net" c="nsenter --net=/proc/$NET_CLIENT_PID/ns/net"
    $c ip link add veth-ck type veth peer name veth-k netns "$NET_CONTAINER_PID"
    $k ip link set lo up
    $c ip addr add $CLIENT_LINK_V4/24 dev veth-ck
    $c ip -6 addr add $CLIENT_LINK_V6/64 dev veth-ck nodad
    $k ip addr add $CONTAINER_V4/24 dev veth-k
    $k ip -6 addr add $CONTAINER_V6/64 dev veth-k nodad
    $c ip link set veth-ck up; $k ip link set veth-k up
    $k ip route add default via $CLIENT_LINK_V4
    $k ip -6 route add default via $CLIENT_LINK_V6
    $c sysctl -q -w net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
    on_server ip route add 198.51.100.0/24 via $CLIENT_V4
    on_server ip -6 route add 2001:db8:1::/64 via $CLIENT_V6
}

# network_seg6_server: the server follows segment routing headers that
# arrive on its link (both its all and its interface's seg6_enabled must be
# on): a packet to one of its addresses goes on to the next segment.
network_seg6_server() {
    on_server sysctl -q -w net.ipv6.conf.all.seg6_enabled=1 net.ipv6.conf.veth-s.seg6_enabled=1
}

network_stop() {
    kill "${NET_LISTENER_PID:-}" "${NET_SERVER_PID:-}" "${NET_CLIENT_PID:-}" "${NET_CONTAINER_PID:-}" 2>/dev/null
    wait 2>/dev/null
}

on_server() { nsenter --net="/proc/$NET_SERVER_PID/ns/net" "$@"; }
on_client() { nsenter --net="/proc/$NET_CLIENT_PID/ns/net" "$@"; }
on_container() { nsenter --net="/proc/$NET_CONTAINER_PID/ns/net" "$@"; }

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
