#!/usr/bin/env python3
"""A minimal QMP client for the end-to-end test's VMs.

Usage: qmp.py SOCKET screendump FILE   the guest's framebuffer as PPM
       qmp.py SOCKET status            prints QEMU's run state ("running")
       qmp.py SOCKET spice-channels    prints how many SPICE channels clients have open
       qmp.py SOCKET spice-clients     the SPICE server's own list of connected clients
                                       (what `info spice` shows): one line per channel,
                                       "HOST:PORT channel-type", nothing when none

Waits up to 10 s for the socket. Exit 0 on success, 1 on a QMP error, 2 on
a usage error or (spice-clients) when SPICE is not enabled.
"""
import json
import socket
import sys
import time


def connect(path):
    deadline = time.monotonic() + 10
    while True:
        try:
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.settimeout(10)
            s.connect(path)
            return s
        except OSError:
            s.close()
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def main(argv):
    if len(argv) < 3:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    f = connect(argv[1]).makefile("rw")
    f.readline()  # greeting

    def call(command, **arguments):
        f.write(json.dumps({"execute": command, "arguments": arguments}) + "\n")
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
    if argv[2] == "screendump" and len(argv) == 4:
        call("screendump", filename=argv[3])
    elif argv[2] == "status":
        print(call("query-status")["status"])
    elif argv[2] == "spice-channels":
        print(len(call("query-spice").get("channels", [])))
    elif argv[2] == "spice-clients":
        spice = call("query-spice")
        if not spice.get("enabled"):
            print("SPICE is not enabled", file=sys.stderr)
            return 2
        for c in spice.get("channels", []):
            print(f"{c.get('host')}:{c.get('port')} {c.get('channel-type')}")
    else:
        print(f"unknown command {argv[2]}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
