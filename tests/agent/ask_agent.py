#!/usr/bin/env python3
"""A caller of the agent's socket for tests/agent: connects, sends BYTES
(Python escapes such as \\n are decoded), reads the reply up to its newline
or the end, and prints it without the newline.

usage: ask_agent.py SOCKET BYTES [--hold SECONDS]
  --hold: after sending, wait this long before reading (a slow caller);
          with empty BYTES, a caller that says nothing.
Exit 0 with a reply, 1 when the connection ended without one, 3 when it
could not connect (the errno's name is printed)."""
import errno
import socket
import sys
import time


def main():
    path, data = sys.argv[1], sys.argv[2].encode("latin-1").decode("unicode_escape").encode("latin-1")
    hold = float(sys.argv[4]) if len(sys.argv) > 4 and sys.argv[3] == "--hold" else 0
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        s.connect(path)
    except OSError as e:
        print(f"connect: {errno.errorcode.get(e.errno, e.errno)}")
        return 3
    start = time.monotonic()
    try:
        if data:
            s.sendall(data)
    except OSError as e:
        print(f"send: {errno.errorcode.get(e.errno, e.errno)}")
    time.sleep(hold)
    s.settimeout(30)
    got = b""
    try:
        while not got.endswith(b"\n"):
            chunk = s.recv(4096)
            if not chunk:
                break
            got += chunk
    except OSError as e:
        print(f"recv: {errno.errorcode.get(e.errno, e.errno)}")
        return 1
    sys.stderr.write(f"elapsed {time.monotonic() - start:.1f}\n")
    if not got:
        print("(closed without a reply)")
        return 1
    print(got.decode("ascii", "replace").rstrip("\n"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
