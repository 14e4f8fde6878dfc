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
    # 2000 connections at once (non-blocking connects: the server is entitled to leave some in
    # its listen backlog), each sent half a request once connected, held a second, then dropped.
    import selectors
    sel = selectors.DefaultSelector()
    conns = []
    for _ in range(2000):
        s = socket.socket()
        s.setblocking(False)
        s.connect_ex(("127.0.0.1", port))
        conns.append(s)
        sel.register(s, selectors.EVENT_WRITE)
    connected = 0
    deadline = time.monotonic() + 3
    while connected < len(conns) and time.monotonic() < deadline:
        for key, _ in sel.select(timeout=0.2):
            sel.unregister(key.fileobj)
            try:
                key.fileobj.send(b"GET /api/status HTTP/1.1\r\n")
                connected += 1
            except OSError:
                pass
    print(f"{connected} of {len(conns)} connections established and sent half a request")
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
