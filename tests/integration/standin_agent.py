#!/usr/bin/env python3
"""A STAND-IN for spice-connect-agent, for the launcher's ticket tests only.

Not the agent: it knows no map, no TLS and no VM server. It listens on the
agent's Unix socket and, for each connection, records the peer's
credentials and the request line, then answers what the test put in
REPLY_FILE, byte for byte (a file holding "SILENT" means: read the request
and answer nothing, keeping the connection open).

Usage: standin_agent.py SOCKET REPLY_FILE LOG_FILE
LOG_FILE gets one line per connection: "uid=U gid=G request=LINE" (the
request with its newline shown as \\n, so a missing one shows).
"""
import os
import socket
import struct
import sys


def main(path, reply_file, log_file):
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(path)
    server.listen(8)
    print("listening", flush=True)
    held = []
    while True:
        conn, _ = server.accept()
        creds = conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
        _, uid, gid = struct.unpack("3i", creds)
        conn.settimeout(5)
        request = b""
        try:
            while not request.endswith(b"\n") and len(request) < 4096:
                chunk = conn.recv(4096)
                if not chunk:
                    break
                request += chunk
        except socket.timeout:
            pass
        shown = request.decode("ascii", "backslashreplace").replace("\n", "\\n")
        with open(log_file, "a") as log:
            log.write(f"uid={uid} gid={gid} request={shown}\n")
        with open(reply_file, "rb") as f:
            reply = f.read()
        if reply == b"SILENT":
            held.append(conn)  # the launcher must give up by itself
            continue
        conn.sendall(reply)
        conn.close()


if __name__ == "__main__":
    if len(sys.argv) != 4:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    main(*sys.argv[1:])
