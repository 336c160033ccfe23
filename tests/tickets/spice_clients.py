#!/usr/bin/env python3
"""The SPICE server's own list of connected clients, asked over a QMP
monitor of QEMU's that libvirt does not hold (the domain's
qemu:commandline adds it): what `info spice` shows, one line per channel
"HOST:PORT channel-type", nothing when no client is connected.

Usage: spice_clients.py SOCKET
Exit 0 (the list printed), 1 on a QMP error, 2 when SPICE is not enabled.
"""
import json
import socket
import sys
import time


def main(argv):
    if len(argv) != 2:
        print(__doc__.strip().splitlines()[-3], file=sys.stderr)
        return 2
    deadline = time.monotonic() + 10
    while True:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(10)
        try:
            s.connect(argv[1])
            break
        except OSError:
            s.close()
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)
    f = s.makefile("rw")
    f.readline()  # greeting

    def call(command):
        f.write(json.dumps({"execute": command}) + "\n")
        f.flush()
        while True:
            reply = json.loads(f.readline())
            if "event" in reply:
                continue
            if "error" in reply:
                print(f"qmp {command}: {reply['error'].get('desc')}", file=sys.stderr)
                sys.exit(1)
            return reply.get("return")

    call("qmp_capabilities")
    spice = call("query-spice")
    if not spice.get("enabled"):
        print("SPICE is not enabled", file=sys.stderr)
        return 2
    for c in spice.get("channels", []):
        print(f"{c.get('host')}:{c.get('port')} {c.get('channel-type')}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
