#!/usr/bin/env python3
"""A STAND-IN for spice-connect-ticketd (server/, being written on another
branch), for tests/agent only: a TLS server that requires a client
certificate signed by CA, reads one line, records it (with the client
certificate's common name) in LOG, and answers by the VM named:
  heldvm: "no held The console is in use by carol.", else
  "ok c3RhbmQtaW4tdGlja2V0 30".
It decides nothing: the real daemon's checks are tested with the daemon.

usage: standin_ticketd.py PORT CERT KEY CA LOG"""
import socket
import ssl
import sys
import threading

TICKET = "c3RhbmQtaW4tdGlja2V0"


def serve(conn, log):
    try:
        conn.settimeout(10)
        line = b""
        while not line.endswith(b"\n") and len(line) < 2048:
            chunk = conn.recv(2048)
            if not chunk:
                break
            line += chunk
        cn = ""
        for rdn in conn.getpeercert().get("subject", ()):
            for key, value in rdn:
                if key == "commonName":
                    cn = value
        with open(log, "a") as f:
            f.write(f"LINE {line.decode('ascii', 'replace').rstrip()} CN {cn}\n")
        vm = line.split()[1].decode() if len(line.split()) > 1 else ""
        reply = "no held The console is in use by carol.\n" if vm == "heldvm" else f"ok {TICKET} 30\n"
        conn.sendall(reply.encode())
    except (OSError, ssl.SSLError) as e:
        with open(log, "a") as f:
            f.write(f"ERROR {e}\n")
    finally:
        conn.close()


def main():
    port, cert, key, ca, log = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5]
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    ctx.load_verify_locations(ca)
    ctx.verify_mode = ssl.CERT_REQUIRED
    ls = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    ls.bind(("::", port))
    ls.listen(16)
    print("listening", flush=True)
    while True:
        raw, _ = ls.accept()
        try:
            raw.settimeout(10)
            conn = ctx.wrap_socket(raw, server_side=True)
        except (OSError, ssl.SSLError) as e:
            with open(log, "a") as f:
                f.write(f"HANDSHAKE {e}\n")
            raw.close()
            continue
        threading.Thread(target=serve, args=(conn, log), daemon=True).start()


if __name__ == "__main__":
    main()
