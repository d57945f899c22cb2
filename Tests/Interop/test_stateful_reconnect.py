"""Stateful reconnect (ASP.NET Core 8's `withStatefulReconnect()`) against the emulator.

No Python client speaks it, so `StatefulClient` is written here from Microsoft's descriptions,
independently of the emulator: TransportProtocols.md (negotiate's `useStatefulReconnect`; the
client reconnects a new WebSocket with the same connection token and no second handshake) and
HubProtocol.md with ASP.NET Core's MessageBuffer (hub protocol version 2; Ack `{"type": 8,
"sequenceId": n}` and Sequence `{"type": 9, "sequenceId": n}`; invocations, stream items,
completions, stream invocations and cancellations are numbered from 1 in the order they arrive;
after a reconnect each side first sends a Sequence naming the id of the first message it sends
again, and the receiver drops what it already had)."""
import json
import queue
import socket
import time
import urllib.request

from websockets.sync.client import connect

from conftest import Emulator, Upstream

RS = "\x1e"
HUB = "steady"
SEQUENCED = {1, 2, 3, 4, 5}


class StatefulClient:
    def __init__(self, emulator, user, stateful=True):
        self.emulator = emulator
        token = emulator.client_token(HUB, user)
        query = f"hub={HUB}&negotiateVersion=1" + ("&useStatefulReconnect=true" if stateful else "")
        request = urllib.request.Request(f"http://127.0.0.1:{emulator.port}/client/negotiate?{query}", method="POST", data=b"",
                                         headers={"Authorization": f"Bearer {token}"})
        with urllib.request.urlopen(request, timeout=10) as response:
            self.negotiated = json.loads(response.read())
        self.connection_id = self.negotiated["connectionId"]
        self.url = f"ws://127.0.0.1:{emulator.port}/client/?hub={HUB}&id={self.negotiated['connectionToken']}&access_token={token}"
        self.next_receive, self.latest_received = 1, 0
        self.unacknowledged: list[tuple[int, str]] = []
        self.next_send = 1
        self.received: list[dict] = []  # sequenced messages, duplicates dropped
        self.others: list[dict] = []  # pings, closes, acks
        self.ws = connect(self.url, open_timeout=10)
        self.ws.send(json.dumps({"protocol": "json", "version": 2}) + RS)
        assert self.ws.recv(timeout=10) == "{}" + RS

    def invoke(self, target, arguments):
        text = json.dumps({"type": 1, "target": target, "arguments": arguments}) + RS
        self.unacknowledged.append((self.next_send, text))
        self.next_send += 1
        self.ws.send(text)

    def read_until(self, predicate, timeout=10.0):
        """Reads frames until `predicate(self)` holds."""
        deadline = time.monotonic() + timeout
        while not predicate(self):
            remaining = deadline - time.monotonic()
            assert remaining > 0, f"timed out; received {self.received}, others {self.others}"
            try:
                frame = self.ws.recv(timeout=remaining)
            except TimeoutError:
                continue
            for record in frame.split(RS):
                if record:
                    self._handle(json.loads(record))

    def _handle(self, message):
        kind = message["type"]
        if kind == 8:
            self.unacknowledged = [(i, text) for i, text in self.unacknowledged if i > message["sequenceId"]]
            self.others.append(message)
        elif kind == 9:
            self.next_receive = message["sequenceId"]
            self.others.append(message)
        elif kind in SEQUENCED:
            sequence_id = self.next_receive
            self.next_receive += 1
            if sequence_id > self.latest_received:
                self.latest_received = sequence_id
                self.received.append(message)
        else:
            self.others.append(message)

    def acknowledge(self):
        self.ws.send(json.dumps({"type": 8, "sequenceId": self.latest_received}) + RS)

    def drop(self):
        """The network fails: the socket goes away without a WebSocket Close."""
        # shutdown() reaches the peer at once, even while the library's reader thread waits in
        # recv() on the socket (a close() alone would wait for that thread).
        self.ws.socket.shutdown(socket.SHUT_RDWR)
        self.ws.socket.close()

    def reconnect(self):
        self.ws = connect(self.url, open_timeout=10)
        first = self.unacknowledged[0][0] if self.unacknowledged else self.next_send
        self.ws.send(json.dumps({"type": 9, "sequenceId": first}) + RS)
        for _, text in self.unacknowledged:
            self.ws.send(text)

    def targets(self):
        return [m.get("target") for m in self.received]


def send_to(emulator, connection_id, target, payload="x"):
    status, _ = emulator.rest("POST", f"/api/hubs/{HUB}/connections/{connection_id}/:send?api-version=2022-06-01",
                              {"target": target, "arguments": [payload]})
    assert status == 202


def upstream_heard(upstream, records, event, predicate=lambda r: True, timeout=10.0):
    """Waits until the upstream heard `event`; `records` keeps everything it heard."""
    deadline = time.monotonic() + timeout
    while True:
        found = [r for r in records if r["headers"].get("x-asrs-event") == event and predicate(r)]
        if found:
            return found
        remaining = deadline - time.monotonic()
        assert remaining > 0, f"the upstream never heard {event}"
        try:
            records.append(upstream.requests.get(timeout=remaining))
        except queue.Empty:
            pass


def start(extra_args=None):
    upstream = Upstream()
    rules = [{"urlTemplate": f"http://127.0.0.1:{upstream.port}/up/{{event}}", "hubPattern": HUB}]
    return upstream, Emulator(rules, extra_args=extra_args)


def test_after_a_dropped_socket_every_message_arrives_once_in_both_directions():
    upstream, emulator = start()
    records = []
    try:
        client = StatefulClient(emulator, "rita")
        assert client.negotiated["useStatefulReconnect"] is True
        for index in range(1, 4):
            send_to(emulator, client.connection_id, f"m{index}")
        client.read_until(lambda c: len(c.received) == 3)
        client.acknowledge()
        client.invoke("note", [1])
        upstream_heard(upstream, records, "note", lambda r: json.loads(r["body"].rstrip(b"\x1e"))["arguments"] == [1])
        send_to(emulator, client.connection_id, "m4")  # never read on this socket
        client.drop()
        for index in (5, 6):
            send_to(emulator, client.connection_id, f"m{index}")  # sent while the client is away
        client.reconnect()
        client.read_until(lambda c: len(c.received) == 6)
        assert client.targets() == ["m1", "m2", "m3", "m4", "m5", "m6"]
        assert any(m["type"] == 9 for m in client.others), "the emulator did not send a Sequence after the reconnect"
        client.invoke("note", [2])
        upstream_heard(upstream, records, "note", lambda r: json.loads(r["body"].rstrip(b"\x1e"))["arguments"] == [2])
        notes = [json.loads(r["body"].rstrip(b"\x1e"))["arguments"] for r in records if r["headers"].get("x-asrs-event") == "note"]
        assert notes == [[1], [2]], "the invocation sent again after the reconnect reached the upstream twice"
        # The connection never ended: same id, no disconnected event, and it keeps receiving.
        assert not [r for r in records if r["headers"].get("x-asrs-event") == "disconnected"]
        assert [c["connectionId"] for c in emulator.connections("rita")] == [client.connection_id]
        send_to(emulator, client.connection_id, "m7")
        client.read_until(lambda c: len(c.received) == 7)
        # The emulator acknowledges what it received, about once a second.
        client.read_until(lambda c: any(m["type"] == 8 and m["sequenceId"] >= 2 for m in c.others), timeout=5)
        client.ws.close()
    finally:
        emulator.stop()
        upstream.close()


def test_more_unacknowledged_bytes_than_the_bound_end_the_connection():
    upstream, emulator = start(["--reconnect-buffer-limit", "4096"])
    records = []
    try:
        client = StatefulClient(emulator, "bea")
        client.drop()
        for _ in range(3):
            send_to(emulator, client.connection_id, "big", "y" * 2000)
        disconnected = upstream_heard(upstream, records, "disconnected")
        assert disconnected[0]["headers"]["x-asrs-connection-id"] == client.connection_id
        assert emulator.connections("bea") == []
        try:
            connect(client.url, open_timeout=10)
            raise AssertionError("a connection closed for its unacknowledged bytes was resumed")
        except Exception as error:  # websockets' InvalidStatus
            assert getattr(getattr(error, "response", None), "status_code", None) == 404, error
    finally:
        emulator.stop()
        upstream.close()


def test_a_client_that_does_not_come_back_within_the_window_is_disconnected():
    upstream, emulator = start(["--reconnect-window", "1"])
    records = []
    try:
        client = StatefulClient(emulator, "vic")
        started = time.monotonic()
        client.drop()
        disconnected = upstream_heard(upstream, records, "disconnected", timeout=10)
        elapsed = time.monotonic() - started
        assert 1 <= elapsed < 4, elapsed
        assert "did not reconnect" in json.loads(disconnected[0]["body"])["error"]
        assert emulator.connections("vic") == []
    finally:
        emulator.stop()
        upstream.close()


def test_without_stateful_reconnect_a_dropped_socket_ends_the_connection_and_version_2_still_works():
    upstream, emulator = start()
    records = []
    try:
        client = StatefulClient(emulator, "nia", stateful=False)
        assert "useStatefulReconnect" not in client.negotiated
        send_to(emulator, client.connection_id, "plain")
        client.read_until(lambda c: len(c.received) == 1)
        client.drop()
        upstream_heard(upstream, records, "disconnected")
        graceful = StatefulClient(emulator, "gus")
        graceful.ws.close()  # a WebSocket Close: the client leaves on purpose
        upstream_heard(upstream, records, "disconnected", lambda r: r["headers"]["x-asrs-connection-id"] == graceful.connection_id)
    finally:
        emulator.stop()
        upstream.close()
