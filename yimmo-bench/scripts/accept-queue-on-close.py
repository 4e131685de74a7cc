#!/usr/bin/env python3
"""What happens to connections waiting in an accept queue when a worker closes its listening socket:
one socket shared by two processes (yimmo's inherited fd) versus two SO_REUSEPORT sockets.
Run: python3 yimmo-bench/scripts/accept-queue-on-close.py (loopback only, a second or two)."""
import socket, time

def client_batch(port, n):
    cs = []
    for _ in range(n):
        c = socket.create_connection(("127.0.0.1", port)); c.sendall(b"x"); cs.append(c)
    return cs

def outcome(cs):
    reset = alive = 0
    for c in cs:
        c.settimeout(0.2)
        try:
            d = c.recv(1)
            if d == b"":
                reset += 1
            else:
                alive += 1
        except ConnectionResetError:
            reset += 1
        except socket.timeout:
            alive += 1  # still queued, will be accepted by the survivor
    return reset, alive

# SO_REUSEPORT: two listeners, kernel spreads connections by hash; close one with a full queue
a = socket.socket(); a.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1); a.bind(("127.0.0.1", 0)); a.listen(128)
port = a.getsockname()[1]
b = socket.socket(); b.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1); b.bind(("127.0.0.1", port)); b.listen(128)
cs = client_batch(port, 100); time.sleep(0.1)
a.close()  # the "dying worker" closes its socket without accepting
r, al = outcome(cs)
print(f"SO_REUSEPORT: 100 queued connections, one of two listeners closed: {r} reset, {al} still served by the other")
b.close()
# shared socket: one listen socket, the dying worker's copy is closed
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(128); port = s.getsockname()[1]
dup = s.dup()
cs = client_batch(port, 100); time.sleep(0.1)
dup.close()
r, al = outcome(cs)
print(f"shared socket: 100 queued connections, one of two holders closed it: {r} reset, {al} still queued for the other")
s.close()
