"""The app-server side of the Azure SignalR service protocol (Default mode), against the built
`apphost emulator`. The .NET server SDK cannot run here, so the server connection below is
written from Microsoft's own files (Azure/azure-signalr): ServiceProtocol.cs for the message
layouts, ServiceProtocolConstants.cs for the types, ConnectionFactory.cs and the endpoint
generators for the URL (`/server/?hub=<hub>&cid=<id>`, the hub lower-cased) and the token's
audience (the endpoint without its port), RuntimeServicePingMessage.cs for the ping keys and
AckStatus.cs for the ack codes. Real SignalR clients (signalrcore, JSON and MessagePack) receive
what the server connection sends."""
import json
import uuid

import msgpack
import pytest
import websockets.exceptions
from websockets.sync.client import connect

from conftest import mint
from test_clients import SignalRCoreClient

HANDSHAKE_REQUEST, HANDSHAKE_RESPONSE, PING = 1, 2, 3
CONNECTION_DATA, USER_DATA, BROADCAST_DATA = 6, 8, 10
GROUP_BROADCAST_DATA, SERVICE_ERROR = 13, 15
JOIN_GROUP_WITH_ACK, ACK = 18, 20
CHECK_CONNECTION_EXISTENCE_WITH_ACK, CHECK_USER_EXISTENCE_WITH_ACK = 24, 25
CLOSE_CONNECTION_WITH_ACK = 30
ACK_OK, ACK_NOT_FOUND = 1, 2


def framed(message: list) -> bytes:
    """A service message: its MessagePack array behind a variable-length length prefix."""
    body = msgpack.packb(message, use_bin_type=True)
    length, prefix = len(body), bytearray()
    while True:
        byte = length & 0x7F
        length >>= 7
        prefix.append(byte | (0x80 if length else 0))
        if not length:
            return bytes(prefix) + body


def records(data: bytes) -> list:
    messages, index = [], 0
    while index < len(data):
        length, shift = 0, 0
        while True:
            byte = data[index]
            index += 1
            length |= (byte & 0x7F) << shift
            shift += 7
            if not byte & 0x80:
                break
        messages.append(msgpack.unpackb(data[index:index + length], raw=False, strict_map_key=False))
        index += length
    return messages


class ServerConnection:
    """One server connection, as the SDK opens it."""

    def __init__(self, emulator, hub="Chat", server_id="server-a", token=None, handshake=True, version=1, migration=0):
        self.url = f"ws://127.0.0.1:{emulator.port}/server/?hub={hub.lower()}&cid={uuid.uuid4()}"
        audience = f"http://127.0.0.1/server/?hub={hub.lower()}"  # the endpoint without its port
        self.socket = connect(self.url, additional_headers={"Authorization": f"Bearer {token or mint(audience)}", "Asrs-Server-Id": server_id},
                              open_timeout=10)
        self.pending: list = []
        if handshake:
            self.send([HANDSHAKE_REQUEST, version, 0, "", migration, {}])
            self.answer = self.next(HANDSHAKE_RESPONSE)

    def send(self, message: list):
        self.socket.send(framed(message))

    def next(self, message_type: int, timeout=10) -> list:
        """The next message of that type (keep-alive pings in between are passed over)."""
        while True:
            while self.pending:
                message = self.pending.pop(0)
                if message[0] == message_type:
                    return message
            self.pending = records(self.socket.recv(timeout=timeout))

    def closed(self, timeout=10) -> bool:
        try:
            while True:
                self.pending += records(self.socket.recv(timeout=timeout))
        except websockets.exceptions.ConnectionClosed:
            return True

    def close(self):
        self.socket.close()


def invocation_payloads(*arguments) -> dict:
    """`newMessage(*arguments)` in both hub protocols, as an ASP.NET Core hub encodes it (its
    MessagePack invocation has six elements, the stream ids last)."""
    text = json.dumps({"type": 1, "target": "newMessage", "arguments": list(arguments)}) + "\x1e"
    body = msgpack.packb([1, {}, None, "newMessage", list(arguments), []], use_bin_type=True)
    return {"json": text.encode(), "messagepack": bytes([len(body)]) + body}


def test_a_server_connection_is_answered_its_handshake_and_pings(emulator):
    first = ServerConnection(emulator, server_id="server-a")
    second = ServerConnection(emulator, server_id="server-b")
    try:
        assert first.answer == [HANDSHAKE_RESPONSE, "", {}]
        first.send([PING, "echo", "123"])
        assert first.next(PING) == [PING, "echo", "123"]
        first.send([PING, "servers", ""])
        servers = first.next(PING)
        assert servers[1] == "servers"
        stamp, names = servers[2].split(":", 1)
        assert int(stamp) > 0 and names.split(";") == ["server-a", "server-b"]
        second.send([PING, "shutdown", "fin:0"])
        assert second.next(PING) == [PING, "shutdown", "finack"]
    finally:
        first.close()
        second.close()


def test_a_status_ping_is_answered_with_whether_the_hub_has_clients_and_the_counts(emulator):
    # RuntimeServicePingMessage.cs: `status` is "1" (the endpoint has clients) or "0", with the
    # optional `clientcount` and `servercount` beside it.
    hub = f"status{uuid.uuid4().hex[:8]}"
    server = ServerConnection(emulator, hub=hub)
    client = None
    try:
        server.send([PING, "status", "1"])
        assert server.next(PING) == [PING, "status", "0", "clientcount", "0", "servercount", "1"]
        client = connect(f"ws://127.0.0.1:{emulator.port}/client/?hub={hub}&access_token={emulator.client_token(hub, 'counted')}")
        client.send('{"protocol":"json","version":1}\x1e')
        server.next(4)  # OpenConnection: the client is routed to this server
        server.send([PING, "status", "1"])
        assert server.next(PING) == [PING, "status", "1", "clientcount", "1", "servercount", "1"]
    finally:
        if client:
            client.close()
        server.close()


@pytest.mark.parametrize("audience", ["http://127.0.0.1/client/?hub=chat", "http://127.0.0.1/server/?hub=other"], ids=["client-audience", "other-hub"])
def test_a_server_connection_with_a_token_for_elsewhere_is_refused(emulator, audience):
    with pytest.raises(websockets.exceptions.InvalidStatus) as refused:
        ServerConnection(emulator, token=mint(audience), handshake=False)
    assert refused.value.response.status_code == 401
    assert b"server URL for hub" in refused.value.response.body


def test_an_unsupported_protocol_version_is_answered_with_an_error_then_closed(emulator):
    server = ServerConnection(emulator, version=2)
    assert "version 2 is not supported" in server.answer[1]
    assert server.closed()


def test_a_malformed_message_closes_only_that_server_connection(emulator):
    bad, good = ServerConnection(emulator), ServerConnection(emulator)
    try:
        bad.socket.send(b"\x03\x93\x06\xc1")  # 0xc1 is never used in MessagePack
        error = bad.next(SERVICE_ERROR)
        assert error[1].startswith("Invalid message")
        assert bad.closed()
        good.send([PING, "echo", "still here"])
        assert good.next(PING) == [PING, "echo", "still here"]
    finally:
        good.close()


def test_a_first_message_that_is_not_a_handshake_gets_a_service_error(emulator):
    server = ServerConnection(emulator, handshake=False)
    server.send([PING])
    assert "HandshakeRequest" in server.next(SERVICE_ERROR)[1]
    assert server.closed()


def test_what_a_server_connection_sends_reaches_real_clients(emulator, app_server):
    ann = SignalRCoreClient(app_server.hub_url("srv-ann")).start()
    ben = SignalRCoreClient(app_server.hub_url("srv-ben"), messagepack=True).start()
    server = ServerConnection(emulator)
    try:
        ann_id = emulator.wait_for_connection("srv-ann", protocol="json")["connectionId"]
        emulator.wait_for_connection("srv-ben", protocol="messagepack")

        # Each client gets the payload of its own protocol.
        server.send([BROADCAST_DATA, [], invocation_payloads("to all"), {}])
        assert ann.next() == ["to all"] and ben.next() == ["to all"]
        server.send([USER_DATA, "srv-ben", invocation_payloads("to ben"), {}])
        assert ben.next() == ["to ben"] and ann.nothing()
        server.send([CONNECTION_DATA, ann_id, invocation_payloads("to ann's connection")["json"], {}])
        assert ann.next() == ["to ann's connection"]
        # A message in pieces (extension member 6, IsPartial) reaches the client whole.
        whole = invocation_payloads("in three pieces")["json"]
        server.send([CONNECTION_DATA, ann_id, whole[:10], {6: True}])
        server.send([CONNECTION_DATA, ann_id, whole[10:20], {6: True}])
        server.send([CONNECTION_DATA, ann_id, whole[20:], {}])
        assert ann.next() == ["in three pieces"]

        server.send([JOIN_GROUP_WITH_ACK, ann_id, "room", 5, {}])
        assert server.next(ACK)[:3] == [ACK, 5, ACK_OK]
        server.send([GROUP_BROADCAST_DATA, "room", [], invocation_payloads("to the room"), {}, [], None])
        assert ann.next() == ["to the room"] and ben.nothing()

        server.send([CHECK_USER_EXISTENCE_WITH_ACK, "srv-ann", 6, {}])
        assert server.next(ACK)[:3] == [ACK, 6, ACK_OK]
        server.send([CHECK_USER_EXISTENCE_WITH_ACK, "nobody", 7, {}])
        assert server.next(ACK)[:3] == [ACK, 7, ACK_NOT_FOUND]
        server.send([CHECK_CONNECTION_EXISTENCE_WITH_ACK, ann_id, 8, {}])
        assert server.next(ACK)[:3] == [ACK, 8, ACK_OK]

        server.send([CLOSE_CONNECTION_WITH_ACK, ann_id, "bye", 9, {}])
        assert server.next(ACK)[:3] == [ACK, 9, ACK_OK]
        assert ann.closed.wait(10)
    finally:
        server.close()
        ann.stop()
        ben.stop(emulator, "srv-ben")
