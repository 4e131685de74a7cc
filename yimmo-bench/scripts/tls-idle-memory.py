#!/usr/bin/env python3
"""What an idle TLS keep-alive connection costs a running server, in RSS.

Opens --connections TLS connections to 127.0.0.1:PORT one after another, each sending one
request (GET --path) and reading its answer, then keeping the connection open and idle. The
server's RSS (from /proc/PID/status) is read once --baseline connections are open (after a
second, so that the server settles) and again when all are, two seconds after the last: the
difference over the connections opened in between is the cost of one idle connection, whatever
holds it (the TLS library's state, the server's objects). The server is started by the caller;
its idle timeout must be longer than the run. Raise the file limit first (ulimit -n).

Example, the WSGI hello world on each TLS engine:

    ulimit -n 20000
    yimmo-wsgi/bin/yimmo-wsgi --python /usr/bin/python3 --pythonpath yimmo-wsgi/examples \\
        --port 8443 --tls-cert cert.pem --tls-key key.pem --tls-engine openssl hello:app &
    python3 yimmo-bench/scripts/tls-idle-memory.py --port 8443 --pid $! --connections 4000
"""

import argparse
import socket
import ssl
import sys
import time


def rss_mib(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise SystemExit(f"no VmRSS for PID {pid}")


def open_idle(context, port, path):
    connection = context.wrap_socket(socket.create_connection(("127.0.0.1", port), timeout=10))
    connection.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode("ascii"))
    head = b""
    while b"\r\n\r\n" not in head:
        chunk = connection.recv(4096)
        if not chunk:
            raise SystemExit("the server closed a connection before answering")
        head += chunk
    if not head.startswith(b"HTTP/1.1 200"):
        raise SystemExit(f"unexpected answer: {head[:80]!r}")
    return connection


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, required=True, help="the server's TLS port on 127.0.0.1")
    parser.add_argument("--pid", type=int, required=True, help="the server process to read RSS from")
    parser.add_argument("--connections", type=int, default=4000, help="idle connections in all (default: 4000)")
    parser.add_argument("--baseline", type=int, default=100, help="connections open at the first reading (default: 100)")
    parser.add_argument("--path", default="/", help="what each connection asks for once (default: /)")
    args = parser.parse_args()
    if not 0 < args.baseline < args.connections:
        parser.error("--baseline must be between 0 and --connections")

    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE  # a self-signed test certificate
    held = []
    for i in range(args.connections):
        held.append(open_idle(context, args.port, args.path))
        if i + 1 == args.baseline:
            time.sleep(1)
            before = rss_mib(args.pid)
    time.sleep(2)
    after = rss_mib(args.pid)
    extra = args.connections - args.baseline
    print(f"RSS with {args.baseline} idle TLS connections: {before:.1f} MiB; with {args.connections}: {after:.1f} MiB;"
          f" per connection: {(after - before) * 1024 / extra:.1f} KB")
    for connection in held:
        connection.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
