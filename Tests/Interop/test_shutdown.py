"""SIGTERM ends the emulator within its 5 s deadline whatever its clients do, and the upstream
hears `disconnected` for every client, whatever its transport."""
import base64
import json
import queue
import signal
import socket
import threading
import time
import urllib.request

import pytest

from conftest import Emulator, Upstream, mint

RS = "\x1e"
HUB = "closing"
HANDSHAKE = (json.dumps({"protocol": "json", "version": 1}) + RS).encode()


def negotiated(emulator, user):
    token = emulator.client_token(HUB, user)
    request = urllib.request.Request(f"http://127.0.0.1:{emulator.port}/client/negotiate?hub={HUB}&negotiateVersion=1",
                                     method="POST", data=b"", headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=10) as response:
        body = json.loads(response.read())
    return token, body["connectionToken"]


def masked(payload: bytes, opcode=0x81) -> bytes:
    mask = b"\x01\x02\x03\x04"
    return bytes([opcode, 0x80 | len(payload)]) + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))


def raw(emulator, data: bytes = b"", receive_buffer=None) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", emulator.port))
    if receive_buffer:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer)
    if data:
        sock.sendall(data)
    return sock


def read_head(sock) -> bytes:
    received = b""
    while b"\r\n\r\n" not in received:
        chunk = sock.recv(4096)
        assert chunk, "the emulator closed the socket before answering"
        received += chunk
    return received


def websocket_client(emulator, user, receive_buffer=None) -> socket.socket:
    """A WebSocket client that finishes its handshake and then never reads again."""
    token = emulator.client_token(HUB, user)
    key = base64.b64encode(b"0123456789abcdef").decode()
    sock = raw(emulator, (f"GET /client/?hub={HUB}&access_token={token} HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
                          f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n").encode(),
               receive_buffer)
    assert b" 101 " in read_head(sock)
    sock.sendall(masked(HANDSHAKE))
    return sock


def sse_client(emulator, user) -> socket.socket:
    """A Server-Sent Events client that reads the response head and then never reads again."""
    token, connection_token = negotiated(emulator, user)
    sock = raw(emulator, (f"GET /client/?hub={HUB}&id={connection_token}&access_token={token} HTTP/1.1\r\nHost: x\r\n"
                          "Accept: text/event-stream\r\n\r\n").encode(), receive_buffer=4096)
    assert b" 200 " in read_head(sock)
    post(emulator, token, connection_token, HANDSHAKE)
    return sock


def post(emulator, token, connection_token, body: bytes):
    url = f"http://127.0.0.1:{emulator.port}/client/?hub={HUB}&id={connection_token}&access_token={token}"
    urllib.request.urlopen(urllib.request.Request(url, method="POST", data=body), timeout=10).close()


def long_polling_client(emulator, user) -> str:
    """A long-polling client after its first poll and its handshake: the poll URL."""
    token, connection_token = negotiated(emulator, user)
    url = f"http://127.0.0.1:{emulator.port}/client/?hub={HUB}&id={connection_token}&access_token={token}"
    urllib.request.urlopen(url, timeout=10).close()
    post(emulator, token, connection_token, HANDSHAKE)
    return url


class PollingClient(threading.Thread):
    """A long-polling client that keeps polling, as clients do, until the emulator ends its
    connection: with a Close message, or a 204."""

    def __init__(self, url):
        super().__init__(daemon=True)
        self.url = url
        self.messages: list[dict] = []
        self.ended_with = None
        self.start()

    def run(self):
        while self.ended_with is None:
            with urllib.request.urlopen(self.url, timeout=20) as response:
                if response.status == 204:
                    self.ended_with = 204
                    return
                for record in response.read().decode().split(RS):
                    if record:
                        self.messages.append(json.loads(record))
                if self.messages and self.messages[-1].get("type") == 7:
                    self.ended_with = self.messages[-1]


class Heard:
    """Every upstream request, kept: `Upstream.wait_for` drops what does not match."""

    def __init__(self, upstream: Upstream):
        self.upstream = upstream
        self.records: list[dict] = []

    def wait_for(self, event: str, connection_id: str, timeout: float = 10.0) -> dict:
        deadline = time.monotonic() + timeout
        while True:
            for record in self.records:
                if record["headers"].get("x-asrs-event") == event and record["headers"]["x-asrs-connection-id"] == connection_id:
                    return record
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"the upstream never heard '{event}' for {connection_id}")
            try:
                self.records.append(self.upstream.requests.get(timeout=remaining))
            except queue.Empty:
                pass


def one_shutdown(upstream: Upstream):
    rules = [{"urlTemplate": f"http://127.0.0.1:{upstream.port}/up/{{event}}", "hubPattern": HUB, "categoryPattern": "connections"}]
    emulator = Emulator(rules)
    held = []
    try:
        # Hub connections over every transport, most of them clients that stop reading.
        held.append(websocket_client(emulator, "ws-deaf", receive_buffer=4096))
        held.append(websocket_client(emulator, "ws-reader"))
        held.append(sse_client(emulator, "sse-deaf"))
        between_polls = long_polling_client(emulator, "lp-between")
        polling = PollingClient(long_polling_client(emulator, "lp-waiting"))
        users = ["ws-deaf", "ws-reader", "sse-deaf", "lp-between", "lp-waiting"]
        ids = {user: emulator.wait_for_connection(user)["connectionId"] for user in users}
        # Enough bytes that the deaf clients' sockets are full.
        for _ in range(8):
            assert emulator.rest("POST", f"/api/v1/hubs/{HUB}", {"target": "bulk", "arguments": ["z" * 131072]})[0] == 202
        # Sockets that are not (yet) hub connections.
        held.append(raw(emulator))  # connected, never sends
        held.append(raw(emulator, b"GET /api/he"))  # half a request head
        idle = raw(emulator, b"GET /api/health HTTP/1.1\r\nHost: x\r\n\r\n")
        assert b" 200 " in read_head(idle)  # an idle keep-alive connection
        held.append(idle)
        half_open = raw(emulator, b"GET /api/health HTTP/1.1\r\nHost: x\r\n")
        half_open.shutdown(socket.SHUT_WR)  # half a head, then its writing side closed
        held.append(half_open)
        token = mint(f"{emulator.endpoint}/api/v1/hubs/{HUB}")
        held.append(raw(emulator, (f"POST /api/v1/hubs/{HUB} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\n"
                                   "Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"tar").encode()))  # half a body
        heard = Heard(upstream)
        for user in users:
            heard.wait_for("connected", ids[user])

        started = time.monotonic()
        emulator.process.send_signal(signal.SIGTERM)
        returncode = emulator.process.wait(timeout=15)
        elapsed = time.monotonic() - started
        assert returncode == 0, "\n".join(emulator.output()[1])
        assert elapsed < 5, f"the emulator took {elapsed:.2f} s to stop"

        # The upstream heard every client leave: the emulator posted before it exited.
        for user in users:
            heard.wait_for("disconnected", ids[user], timeout=2)
        # The polling client's last poll was answered with the reconnectable Close message.
        polling.join(timeout=5)
        assert isinstance(polling.ended_with, dict), f"the polling client ended with {polling.ended_with}"
        assert polling.ended_with["allowReconnect"] is True and "shutting down" in polling.ended_with["error"]
        stdout, stderr = emulator.output()
        assert any("stopped: 5 client connection(s) closed" in line for line in stdout), stdout
        assert not any("upstream call failed" in line for line in stderr), stderr
        return elapsed
    finally:
        for sock in held:
            sock.close()
        emulator.stop()


def test_sigterm_ends_the_emulator_in_time_whatever_the_clients_do_and_the_upstream_hears_every_disconnect():
    upstream = Upstream()
    try:
        times = [one_shutdown(upstream) for _ in range(20)]
    finally:
        upstream.close()
    print(f"shutdown with awkward clients: median {sorted(times)[10]:.2f} s, slowest {max(times):.2f} s over 20 runs")
