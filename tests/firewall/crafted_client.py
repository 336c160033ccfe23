# Connections a plain client does not make, for the firewall tests (run in
# the client's or the container's network namespace, as a user):
#   crafted_client.py srh FIRST FINAL PORT  TCP to FINAL through an IPv6
#       segment routing header (type 4) whose first segment is FIRST: the
#       packet leaves with destination FIRST
#   crafted_client.py ipopt HOST PORT  TCP with an IPv4 option (record route)
#   crafted_client.py udp HOST PORT    one UDP datagram on a connected socket
# Prints one line; its first word is the outcome: connected (with the peer's
# address), reset, timeout, sent (UDP: no error came back), refused (UDP:
# an ICMP error came back, with its errno name), or the errno name.
import errno, socket, struct, sys


def family(host):
    return socket.AF_INET6 if ":" in host else socket.AF_INET


def routing_header(first):
    # struct ipv6_sr_hdr: next header, length in 8-octet units after the
    # first 8, type 4, segments left, last entry, flags, tag; then the
    # segments, last hop first. The kernel writes the socket's destination
    # (FINAL) into segment 0 and sends the packet to segment 1 (FIRST).
    segments = [socket.inet_pton(socket.AF_INET6, "::"), socket.inet_pton(socket.AF_INET6, first)]
    return struct.pack("!BBBBBBH", 0, 2 * len(segments), 4, 1, 1, 0, 0) + b"".join(segments)


# Record route with room for one address, then end of options: 8 octets,
# so the header is 7 words long instead of 5.
RECORD_ROUTE = bytes([7, 7, 4, 0, 0, 0, 0, 0])


def tcp(sock, host, port):
    sock.settimeout(3)
    try:
        sock.connect((host, port))
        print("connected", sock.getpeername()[0], port)
    except ConnectionRefusedError:
        print("reset", host, port)
    except socket.timeout:
        print("timeout", host, port)
    except OSError as e:
        print(errno.errorcode.get(e.errno, str(e.errno)), host, port)


def udp(host, port):
    sock = socket.socket(family(host), socket.SOCK_DGRAM)
    sock.connect((host, port))
    sock.settimeout(1.5)
    try:
        sock.send(b"spice-connect firewall test\n")
        sock.recv(100)
        print("answered", host, port)
    except socket.timeout:
        print("sent", host, port)
    except OSError as e:
        print("refused", errno.errorcode.get(e.errno, str(e.errno)), host, port)


def main(argv):
    if len(argv) == 5 and argv[1] == "srh":
        sock = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
        sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_RTHDR, routing_header(argv[2]))
        tcp(sock, argv[3], int(argv[4]))
    elif len(argv) == 4 and argv[1] == "ipopt":
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.IPPROTO_IP, socket.IP_OPTIONS, RECORD_ROUTE)
        tcp(sock, argv[2], int(argv[3]))
    elif len(argv) == 4 and argv[1] == "udp":
        udp(argv[2], int(argv[3]))
    else:
        print("usage: crafted_client.py srh FIRST FINAL PORT | ipopt HOST PORT | udp HOST PORT", file=sys.stderr)
        return 2
    return 0


sys.exit(main(sys.argv))
