#!/usr/bin/env python3
"""Loads a page in headless Chromium and drives it over the DevTools protocol (CDP): waits until
the rendered DOM contains a text, then writes the DOM and screenshots at a laptop's and a
phone's width. --dump-dom cannot do this for a page that keeps an event stream open: Chromium's
virtual time never runs out while a request is pending. Standard library only (a minimal
WebSocket client below). Used by tests/tools/serve_dashboard.sh and for docs/img/dashboard.png.

Usage: cdp_page.py BROWSER URL OUT_DIR WAIT_FOR_TEXT [TIMEOUT_S [SETTLE_S]]
SETTLE_S (default 1.5): how long the page runs after the text appears (the equity curves grow one
point per poll).
Writes OUT_DIR/dom.html, OUT_DIR/laptop.png (1280 wide), OUT_DIR/phone.png (390 wide)."""
import base64
import json
import os
import socket
import struct
import subprocess
import sys
import tempfile
import time
import urllib.request

browser, url, out_dir, wait_for = sys.argv[1:5]
timeout_s = float(sys.argv[5]) if len(sys.argv) > 5 else 20
settle_s = float(sys.argv[6]) if len(sys.argv) > 6 else 1.5


class WebSocket:
    """Just enough of RFC 6455 for CDP: text frames, client-masked, no extensions."""

    def __init__(self, ws_url):
        host_port, path = ws_url[len("ws://"):].split("/", 1)
        host, port = host_port.split(":")
        self.sock = socket.create_connection((host, int(port)), timeout=timeout_s)
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall((f"GET /{path} HTTP/1.1\r\nHost: {host_port}\r\nUpgrade: websocket\r\n"
                           f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                           "Sec-WebSocket-Version: 13\r\n\r\n").encode())
        reply = b""
        while b"\r\n\r\n" not in reply:
            reply += self.sock.recv(4096)
        if b" 101 " not in reply.split(b"\r\n", 1)[0]:
            sys.exit(f"websocket handshake refused: {reply[:200]!r}")
        self.buf = reply.split(b"\r\n\r\n", 1)[1]
        self.next_id = 0

    def _read(self, n):
        while len(self.buf) < n:
            chunk = self.sock.recv(1 << 16)
            if not chunk:
                sys.exit("the browser closed the DevTools connection")
            self.buf += chunk
        data, self.buf = self.buf[:n], self.buf[n:]
        return data

    def send(self, text):
        payload = text.encode()
        mask = os.urandom(4)
        n = len(payload)
        header = b"\x81" + (bytes([0x80 | n]) if n < 126 else
                            struct.pack("!BH", 0x80 | 126, n) if n < 65536 else
                            struct.pack("!BQ", 0x80 | 127, n))
        self.sock.sendall(header + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload)))

    def recv(self):
        message = b""
        while True:
            b0, b1 = self._read(2)
            n = b1 & 0x7F
            if n == 126:
                n = struct.unpack("!H", self._read(2))[0]
            elif n == 127:
                n = struct.unpack("!Q", self._read(8))[0]
            message += self._read(n)
            if b0 & 0x80:  # FIN: the last fragment
                return message.decode()

    def call(self, method, **params):
        self.next_id += 1
        self.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            reply = json.loads(self.recv())
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    sys.exit(f"{method}: {reply['error']}")
                return reply["result"]


profile = tempfile.mkdtemp(prefix="cdp-profile-")
args = [browser, "--headless=new", "--disable-gpu", "--no-first-run", "--hide-scrollbars",
        f"--user-data-dir={profile}", "--remote-debugging-port=0", "--window-size=1280,1700"]
if os.geteuid() == 0:
    args.append("--no-sandbox")  # root in a container: Chromium's sandbox needs user namespaces
proc = subprocess.Popen(args + [url], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
try:
    port_file = os.path.join(profile, "DevToolsActivePort")
    deadline = time.monotonic() + timeout_s
    page = None
    while page is None:  # the port file, then the page's target, appear a moment after start
        if time.monotonic() > deadline:
            sys.exit("the browser did not open its DevTools port with a page")
        time.sleep(0.1)
        try:
            port = int(open(port_file).read().split("\n")[0])
            targets = json.load(urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list"))
            page = next((t for t in targets if t["type"] == "page"), None)
        except (OSError, ValueError):
            continue
    ws = WebSocket(page["webSocketDebuggerUrl"])

    def dom():
        result = ws.call("Runtime.evaluate", expression="document.documentElement.outerHTML")
        return result["result"].get("value", "")  # none while the page is still loading

    html = dom()
    while wait_for not in html:
        if time.monotonic() > deadline:
            break  # write what there is: the test's checks say what is missing
        time.sleep(0.25)
        html = dom()
    time.sleep(settle_s)  # more polls and stream events
    with open(os.path.join(out_dir, "dom.html"), "w") as f:
        f.write(dom())

    def screenshot(name):
        shot = ws.call("Page.captureScreenshot", format="png", captureBeyondViewport=True)
        with open(os.path.join(out_dir, name), "wb") as f:
            f.write(base64.b64decode(shot["data"]))

    screenshot("laptop.png")
    ws.call("Emulation.setDeviceMetricsOverride", width=390, height=1800, deviceScaleFactor=2,
            mobile=True)
    time.sleep(1.2)
    screenshot("phone.png")
finally:
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
    subprocess.run(["rm", "-rf", profile])
