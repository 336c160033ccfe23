# The "VM consoles" of the firewall tests (inside the server's namespace):
# on each given port, IPv4 and IPv6, accepts TCP connections and closes
# them, and receives UDP datagrams. Logs one line per connection ("accepted
# LOCAL_ADDRESS PORT": the address the connection reached) and per datagram
# ("udp PORT from SOURCE"), so a test can say what got through.
import selectors, socket, sys

sel = selectors.DefaultSelector()
for port in map(int, sys.argv[1:]):
    for kind in (socket.SOCK_STREAM, socket.SOCK_DGRAM):
        s = socket.socket(socket.AF_INET6, kind)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        s.bind(("::", port))
        if kind == socket.SOCK_STREAM:
            s.listen(64)
        sel.register(s, selectors.EVENT_READ)


def plain(address):  # ::ffff:192.0.2.2 is 192.0.2.2
    return address[7:] if address.startswith("::ffff:") else address


print("listening", flush=True)
while True:
    for key, _ in sel.select():
        s = key.fileobj
        if s.type == socket.SOCK_STREAM:
            conn, _ = s.accept()
            local = conn.getsockname()
            conn.close()
            print("accepted", plain(local[0]), local[1], flush=True)
        else:
            _, source = s.recvfrom(2048)
            print("udp", s.getsockname()[1], "from", plain(source[0]), flush=True)
