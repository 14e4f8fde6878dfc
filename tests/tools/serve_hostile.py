#!/usr/bin/env python3
"""Hostile clients for `ose serve` (tests/tools/serve_hostile.sh): each attack runs, then the
server must still answer a plain request. Usage: serve_hostile.py PORT ATTACK."""
import socket
import sys
import time

port = int(sys.argv[1])
attack = sys.argv[2]


def connect():
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    return s


def status_line(s):
    data = b""
    try:
        while b"\r\n" not in data:
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
    except (socket.timeout, ConnectionResetError, BrokenPipeError):
        pass
    return data.split(b"\r\n", 1)[0].decode("latin-1")


if attack == "malformed":
    # A request line that is not HTTP, then one with a bad method token: 4xx (or a close).
    for line in [b"GARBAGE\r\n\r\n", b"GET\r\n\r\n", b"\x00\x01\x02 / HTTP/1.1\r\n\r\n",
                 b"GET /api/status HTTP/9.9\r\n\r\n"]:
        s = connect()
        s.sendall(line)
        reply = status_line(s)
        s.close()
        code = reply.split(" ")[1] if reply.startswith("HTTP/") else "closed"
        print(f"{line!r}: {code}")
        if code != "closed" and not code.startswith("4"):
            sys.exit(f"a malformed request got {reply!r}")
elif attack == "big-header":
    s = connect()
    try:
        s.sendall(b"GET /api/status HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * (1 << 20) + b"\r\n\r\n")
    except (BrokenPipeError, ConnectionResetError):
        pass  # the server stopped reading: as good as a 4xx
    reply = status_line(s)
    print(f"1 MB header: {reply or 'closed'}")
    if reply and " 200 " in reply:
        sys.exit("a 1 MB header was accepted")
elif attack == "many":
    # 2000 connections at once, each sending half a request, held for a second, then dropped.
    conns = []
    refused = 0
    for _ in range(2000):
        try:
            s = socket.socket()
            s.settimeout(0.5)
            s.connect(("127.0.0.1", port))
            s.sendall(b"GET /api/status HTTP/1.1\r\n")
            conns.append(s)
        except OSError:
            refused += 1
    print(f"opened {len(conns)} connections, {refused} refused or timed out")
    time.sleep(1)
    for s in conns:
        s.close()
elif attack == "slow":
    # A slow client: one header byte every 200 ms for 3 s. serve_hostile.sh asks for a status
    # meanwhile: the server must not wait on this one to serve the others.
    s = connect()
    deadline = time.monotonic() + 3
    try:
        for b in b"GET /api/status HTTP/1.1\r\nHost: slow\r\n":
            if time.monotonic() > deadline:
                break
            s.sendall(bytes([b]))
            time.sleep(0.2)
    except (BrokenPipeError, ConnectionResetError):
        pass
    s.close()
else:
    sys.exit(f"unknown attack {attack}")
