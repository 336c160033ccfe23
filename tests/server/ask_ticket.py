#!/usr/bin/env python3
"""A real TLS client for spice-connect-ticketd's tests, as the agent asks.

usage: ask_ticket.py HOST PORT CA CERT KEY LINE
Sends LINE and a newline after a verified handshake (the daemon's
certificate must name HOST), prints the one reply line without its
newline. Exit 0 with a reply, 1 when the connection failed or closed
without one (the reason on stderr).
"""
import socket
import ssl
import sys


def main():
    host, port, ca, cert, key, line = sys.argv[1:7]
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.load_verify_locations(ca)
    ctx.load_cert_chain(cert, key)
    try:
        with socket.create_connection((host, int(port)), timeout=15) as raw:
            with ctx.wrap_socket(raw, server_hostname=host) as tls:
                tls.sendall(line.encode() + b"\n")
                reply = b""
                while not reply.endswith(b"\n"):
                    chunk = tls.recv(2048)
                    if not chunk:
                        break
                    reply += chunk
    except (OSError, ssl.SSLError) as e:
        print(f"ask_ticket: {e}", file=sys.stderr)
        return 1
    if not reply:
        print("ask_ticket: no reply", file=sys.stderr)
        return 1
    print(reply.decode("ascii", "replace").rstrip("\n"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
