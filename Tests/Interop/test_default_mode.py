"""Default mode: real SignalR clients (signalrcore) served by an app server's hub through the
emulator. The app server is written here from Microsoft's files (see test_app_server.py), as an
ASP.NET Core app with `AddAzureSignalR()` behaves: two server connections; for each client routed
to it, an OpenConnection (claims, query, hub protocol), then the client's bytes as ConnectionData;
its hub answers the SignalR handshake itself and speaks JSON and MessagePack over them."""
import asyncio
import json
import queue
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import msgpack
import pytest
import websockets.exceptions
from pysignalr.client import SignalRClient
from signalrcore.types import HttpTransportType

from test_app_server import ServerConnection, framed, records
from test_clients import WAIT, SignalRCoreClient

OPEN_CONNECTION, CLOSE_CONNECTION, CONNECTION_DATA = 4, 5, 6
USER_DATA, BROADCAST_DATA, GROUP_BROADCAST_DATA = 8, 10, 13
JOIN_GROUP_WITH_ACK, ACK = 18, 20
HUB = "default"


def hub_frames(protocol: str, data: bytes) -> tuple[list, bytes]:
    """Complete hub messages at the start of `data`, and what is left."""
    messages = []
    if protocol == "json":
        while b"\x1e" in data:
            record, data = data.split(b"\x1e", 1)
            messages.append(json.loads(record))
        return messages, data
    while data:
        length, shift, index = 0, 0, 0
        while True:
            if index >= len(data):
                return messages, data
            byte = data[index]
            index += 1
            length |= (byte & 0x7F) << shift
            shift += 7
            if not byte & 0x80:
                break
        if len(data) < index + length:
            return messages, data
        array = msgpack.unpackb(data[index:index + length], raw=False)
        messages.append({"type": array[0], "invocationId": array[2], "target": array[3], "arguments": array[4]} if array[0] == 1
                        else {"type": array[0]})
        data = data[index + length:]
    return messages, data


def encode(protocol: str, message: dict) -> bytes:
    if protocol == "json":
        return json.dumps(message).encode() + b"\x1e"
    if message["type"] == 1:
        array = [1, {}, None, message["target"], message["arguments"], []]
    else:  # a completion with a result
        array = [3, {}, message["invocationId"], 3, message["result"]]
    body = msgpack.packb(array, use_bin_type=True)
    return framed_hub(body)


def framed_hub(body: bytes) -> bytes:
    length, prefix = len(body), bytearray()
    while True:
        byte = length & 0x7F
        length >>= 7
        prefix.append(byte | (0x80 if length else 0))
        if not length:
            return bytes(prefix) + body


def both(target: str, *arguments) -> dict:
    message = {"type": 1, "target": target, "arguments": list(arguments)}
    return {"json": encode("json", message), "messagepack": encode("messagepack", message)}


class HubApp:
    """An app server with a small hub: echo, whoami (the caller's user id from its claims),
    query (the client's query string), broadcast, toUser, join (a group, with ack, then a message
    to it)."""

    def __init__(self, emulator, connections=2, migration=0):
        self.servers = [ServerConnection(emulator, hub=HUB, server_id=f"app-{index}", migration=migration) for index in range(connections)]
        self.locks = {id(server): threading.Lock() for server in self.servers}
        self.clients: dict[str, dict] = {}
        self.opened: "queue.Queue[str]" = queue.Queue()
        self.closed: "queue.Queue[str]" = queue.Queue()
        self.acks: dict[int, "queue.Queue[int]"] = {}
        self.pings: "queue.Queue[list]" = queue.Queue()
        self.headers: dict[tuple, dict] = {}  # (message type, connection id) -> headers
        self.next_ack = 100
        self.readers = [threading.Thread(target=self.read, args=(server,), daemon=True) for server in self.servers]
        for reader in self.readers:
            reader.start()

    def send(self, server, message: list):
        with self.locks[id(server)]:
            server.socket.send(framed(message))

    def read(self, server):
        try:
            while True:
                for message in records(server.socket.recv()):
                    self.handle(server, message)
        except websockets.exceptions.ConnectionClosed:  # the reader ends with its socket
            return

    def handle(self, server, message: list):
        kind = message[0]
        if kind == OPEN_CONNECTION:
            connection_id, claims, headers, query, extensions = message[1:6]
            self.headers[(OPEN_CONNECTION, connection_id)] = headers
            self.clients[connection_id] = {"server": server, "claims": claims, "query": query, "protocol": extensions.get(3),
                                           "buffer": b"", "handshaken": False}
            self.opened.put(connection_id)
        elif kind == CONNECTION_DATA:
            client = self.clients[message[1]]
            client["buffer"] += message[2]
            self.process(message[1], client)
        elif kind == CLOSE_CONNECTION:
            self.headers[(CLOSE_CONNECTION, message[1])] = message[3] if len(message) > 3 else {}
            if self.clients.get(message[1], {}).get("server") is server:
                self.clients.pop(message[1])
            self.closed.put(message[1])
        elif kind == ACK:
            self.acks.pop(message[1]).put(message[2])
        elif kind == 3 and len(message) > 1:  # a ping with keys (keep-alives have none)
            self.pings.put(message)

    def process(self, connection_id: str, client: dict):
        if not client["handshaken"]:
            if b"\x1e" not in client["buffer"]:
                return
            request, client["buffer"] = client["buffer"].split(b"\x1e", 1)
            assert json.loads(request)["protocol"] == client["protocol"], "the OpenConnection named another protocol"
            client["handshaken"] = True
            self.send(client["server"], [CONNECTION_DATA, connection_id, b"{}\x1e", {}])
        messages, client["buffer"] = hub_frames(client["protocol"], client["buffer"])
        for message in messages:
            if message["type"] == 1:
                self.invoke(connection_id, client, message)
            elif message["type"] == 7:
                self.send(client["server"], [CLOSE_CONNECTION, connection_id, "", {}, {}])

    def reply(self, connection_id: str, client: dict, invocation_id, result):
        if invocation_id is None:
            return
        completion = {"type": 3, "invocationId": invocation_id, "result": result}
        self.send(client["server"], [CONNECTION_DATA, connection_id, encode(client["protocol"], completion), {}])

    def invoke(self, connection_id: str, client: dict, message: dict):
        target, arguments, invocation_id = message["target"], message["arguments"], message.get("invocationId")
        server = client["server"]
        if target == "echo":
            self.reply(connection_id, client, invocation_id, arguments[0])
        elif target == "whoami":
            self.reply(connection_id, client, invocation_id, client["claims"].get("asrs.s.uid"))
        elif target == "query":
            self.reply(connection_id, client, invocation_id, client["query"])
        elif target == "broadcast":
            self.send(server, [BROADCAST_DATA, [], both("newMessage", *arguments), {}])
        elif target == "toUser":
            self.send(server, [USER_DATA, arguments[0], both("newMessage", *arguments[1:]), {}])
        elif target == "join":
            # The ack comes on this reader's socket: wait for it elsewhere.
            threading.Thread(target=self.join, args=(connection_id, server, arguments[0]), daemon=True).start()

    def join(self, connection_id: str, server, group: str):
        self.next_ack += 1
        ack_id = self.next_ack
        answer: "queue.Queue[int]" = queue.Queue()
        self.acks[ack_id] = answer
        self.send(server, [JOIN_GROUP_WITH_ACK, connection_id, group, ack_id, {}])
        if answer.get(timeout=WAIT) == 1:
            self.send(server, [GROUP_BROADCAST_DATA, group, [], both("newMessage", f"joined {group}"), {}, [], None])

    def close(self):
        for server in self.servers:
            server.close()


@pytest.fixture
def app(emulator):
    application = HubApp(emulator)
    yield application
    application.close()


# Server-Sent Events carry text only; signalrcore's long polling client splits MessagePack at the
# JSON separator and receives nothing from any server (see the README), so it is left out here.
CASES = [(HttpTransportType.web_sockets, False), (HttpTransportType.web_sockets, True), (HttpTransportType.server_sent_events, False),
         (HttpTransportType.long_polling, False)]


@pytest.mark.parametrize("transport,messagepack", CASES, ids=[f"{t.value}-{'messagepack' if m else 'json'}" for t, m in CASES])
def test_real_clients_are_served_by_the_app_servers_hub(emulator, app, transport, messagepack):
    user = f"dm-{transport.value}-{'mp' if messagepack else 'json'}"
    token = emulator.client_token(HUB, user)
    url = emulator.client_url(HUB) + "&asrs.op=%2Fdefault"
    client = SignalRCoreClient(url, options={"access_token_factory": lambda: token, "transport": transport}, messagepack=messagepack).start()
    try:
        connection_id = app.opened.get(timeout=WAIT)
        assert app.clients[connection_id]["protocol"] == ("messagepack" if messagepack else "json")
        completions: "queue.Queue" = queue.Queue()

        def call(method, *arguments):
            client.hub.send(method, list(arguments), on_invocation=completions.put)
            return completions.get(timeout=WAIT).result

        assert call("echo", "hi") == "hi"
        assert call("whoami") == user
        assert "asrs.op=%2Fdefault" in call("query")
        client.hub.send("broadcast", ["to everyone"])
        assert client.next() == ["to everyone"]
        client.hub.send("toUser", [user, "to me"])
        assert client.next() == ["to me"]
        client.hub.send("join", ["room"])
        assert client.next() == ["joined room"]
        # The REST API reaches a routed client as any other.
        assert emulator.rest("POST", f"/api/v1/hubs/{HUB}/users/{user}", {"target": "newMessage", "arguments": ["by REST"]})[0] == 202
        assert client.next() == ["by REST"]
    finally:
        client.stop(emulator, user, hub=HUB)
    assert app.closed.get(timeout=WAIT) == connection_id


def test_clients_are_spread_over_the_server_connections_and_leave_with_theirs(emulator, app):
    tokens = {user: emulator.client_token(HUB, user) for user in ("spread-a", "spread-b")}
    clients = {user: SignalRCoreClient(emulator.client_url(HUB), options={"access_token_factory": lambda token=token: token}).start()
               for user, token in tokens.items()}
    try:
        first, second = app.opened.get(timeout=WAIT), app.opened.get(timeout=WAIT)
        assert app.clients[first]["server"] is not app.clients[second]["server"]
        # A server connection that drops takes its clients with it, as Azure does.
        dropped = app.clients[first]["server"]
        user = next(u for u in clients if app.clients[first]["claims"].get("asrs.s.uid") == u)
        dropped.close()
        assert clients[user].closed.wait(WAIT)
        other = next(u for u in clients if u != user)
        assert not clients[other].closed.is_set()
    finally:
        for user, client in clients.items():
            client.stop(emulator, user, hub=HUB)


def test_a_server_that_shuts_down_takes_no_new_clients(emulator, app):
    app.send(app.servers[0], [3, "shutdown", "fin:0"])
    assert app.pings.get(timeout=WAIT) == [3, "shutdown", "finack"]
    users = ("after-fin-1", "after-fin-2")
    clients = [SignalRCoreClient(emulator.client_url(HUB), options={"access_token_factory": lambda u=u: emulator.client_token(HUB, u)}).start()
               for u in users]
    try:
        for _ in users:
            assert app.clients[app.opened.get(timeout=WAIT)]["server"] is app.servers[1]
    finally:
        for user, client in zip(users, clients):
            client.stop(emulator, user, hub=HUB)


def test_in_default_mode_a_client_with_no_app_server_is_refused_as_azure_refuses_it():
    from websockets.sync.client import connect

    from conftest import Emulator
    emulator = Emulator(extra_args=["--mode", "Default"])
    try:
        token = emulator.client_token(HUB, "too-early")
        with connect(f"ws://127.0.0.1:{emulator.port}/client/?hub={HUB}&access_token={token}") as early:
            early.send('{"protocol":"json","version":1}\x1e')
            answer = json.loads(early.recv(timeout=WAIT).rstrip("\x1e"))
            assert answer["error"].startswith("SignalR Service is now in 'Default' service mode.")
            with pytest.raises(websockets.exceptions.ConnectionClosed):
                early.recv(timeout=WAIT)
        # Once an app server is connected, a real client gets in.
        app = HubApp(emulator)
        try:
            late = SignalRCoreClient(emulator.client_url(HUB), options={"access_token_factory": lambda: token}).start()
            assert app.opened.get(timeout=WAIT)
            late.stop(emulator, "too-early", hub=HUB)
        finally:
            app.close()
    finally:
        emulator.stop()


def test_a_server_that_shuts_its_socket_without_a_close_leaves_the_rotation_at_once(emulator, app):
    import socket as sockets
    # TCP FIN, no WebSocket Close: the emulator must not route the next client there.
    app.servers[0].socket.socket.shutdown(sockets.SHUT_WR)
    users = ("after-fin-tcp-1", "after-fin-tcp-2")
    clients = [SignalRCoreClient(emulator.client_url(HUB), options={"access_token_factory": lambda u=u: emulator.client_token(HUB, u)}).start()
               for u in users]
    try:
        for _ in users:
            assert app.clients[app.opened.get(timeout=WAIT)]["server"] is app.servers[1]
    finally:
        for user, client in zip(users, clients):
            client.stop(emulator, user, hub=HUB)


def raw_client(emulator, user):
    """A raw WebSocket client after its JSON handshake, and an echo through its app server: every
    frame it receives is seen, so a stray handshake answer would show."""
    from websockets.sync.client import connect

    client = connect(f"ws://127.0.0.1:{emulator.port}/client/?hub={HUB}&access_token={emulator.client_token(HUB, user)}")
    client.send('{"protocol":"json","version":1}\x1e')
    assert client.recv(timeout=WAIT) == "{}\x1e"

    def echo(text):
        client.send(json.dumps({"type": 1, "invocationId": text, "target": "echo", "arguments": [text]}) + "\x1e")
        return json.loads(client.recv(timeout=WAIT).rstrip("\x1e"))
    return client, echo


def test_clients_of_a_server_that_shuts_down_with_migration_move_to_another_unnoticed(emulator):
    app = HubApp(emulator, migration=1)
    client, echo = raw_client(emulator, "migrant")
    try:
        connection_id = app.opened.get(timeout=WAIT)
        leaving = app.clients[connection_id]["server"]
        staying = next(server for server in app.servers if server is not leaving)
        assert echo("before") == {"type": 3, "invocationId": "before", "result": "before"}

        app.send(leaving, [3, "shutdown", "fin:1"])
        # The old server is told where the client went; the new one gets it, with where it came from.
        assert app.closed.get(timeout=WAIT) == connection_id
        assert app.headers[(CLOSE_CONNECTION, connection_id)] == {"Asrs-Migrate-To": [server_name(app, staying)]}
        assert app.opened.get(timeout=WAIT) == connection_id
        assert app.headers[(OPEN_CONNECTION, connection_id)]["Asrs-Migrate-From"] == [server_name(app, leaving)]
        assert app.clients[connection_id]["server"] is staying

        # The client sees nothing of it (its new server's handshake answer is dropped) and goes on.
        assert echo("after") == {"type": 3, "invocationId": "after", "result": "after"}
    finally:
        client.close()
        app.close()


def test_with_migration_level_2_the_clients_of_a_dropped_server_move_on(emulator):
    app = HubApp(emulator, migration=2)
    client, echo = raw_client(emulator, "survivor")
    try:
        connection_id = app.opened.get(timeout=WAIT)
        dropped = app.clients[connection_id]["server"]
        dropped.close()
        assert app.opened.get(timeout=WAIT) == connection_id
        assert app.headers[(OPEN_CONNECTION, connection_id)]["Asrs-Migrate-From"] == [server_name(app, dropped)]
        assert echo("still here") == {"type": 3, "invocationId": "still here", "result": "still here"}
    finally:
        client.close()
        app.close()


def server_name(app, server) -> str:
    return f"app-{app.servers.index(server)}"


class SdkNegotiate:
    """The negotiate an ASP.NET Core app with AddAzureSignalR() serves at `/<hub>/negotiate`: a
    redirect to the service's client URL, with `asrs.op` naming the hub's path, and a token for
    the user (ServiceEndpointProvider: the client audience, the endpoint without its port)."""

    def __init__(self, emulator, user):
        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = json.dumps({"url": emulator.client_url(HUB) + f"&asrs.op=%2F{HUB}",
                                   "accessToken": emulator.client_token(HUB, user)}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/{HUB}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.mark.parametrize("messagepack", [False, True], ids=["json", "messagepack"])
def test_pysignalr_through_the_sdks_negotiate_redirect_is_served_by_the_hub(emulator, app, messagepack):
    from pysignalr.protocol.messagepack import MessagepackProtocol

    negotiate = SdkNegotiate(emulator, "py-user")

    async def scenario():
        received: asyncio.Queue = asyncio.Queue()
        opened = asyncio.Event()
        client = SignalRClient(negotiate.url, protocol=MessagepackProtocol()) if messagepack else SignalRClient(negotiate.url)

        async def on_message(arguments):
            await received.put(arguments)

        async def on_open():
            opened.set()

        client.on("newMessage", on_message)
        client.on_open(on_open)
        task = asyncio.create_task(client.run())
        try:
            await asyncio.wait_for(opened.wait(), WAIT)
            connection_id = await asyncio.to_thread(app.opened.get, True, WAIT)
            assert "asrs.op=%2Fdefault" in app.clients[connection_id]["query"]
            assert app.clients[connection_id]["protocol"] == ("messagepack" if messagepack else "json")
            assert app.clients[connection_id]["claims"].get("asrs.s.uid") == "py-user"
            await client.send("broadcast", ["to everyone from pysignalr"])
            assert await asyncio.wait_for(received.get(), WAIT) == ["to everyone from pysignalr"]
            await client.send("join", ["py-room"])
            assert await asyncio.wait_for(received.get(), WAIT) == ["joined py-room"]
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)

    try:
        asyncio.run(scenario())
    finally:
        negotiate.server.shutdown()


def open_with_headers(emulator, transport: str, user: str, headers: dict):
    """A client that connects over `transport` with `headers` on its connect request (the
    WebSocket upgrade; for long polling the POST that carries its handshake, which opens the
    negotiated connection); returns a function that closes it."""
    import urllib.request
    from websockets.sync.client import connect

    token = emulator.client_token(HUB, user)
    handshake = '{"protocol":"json","version":1}\x1e'
    if transport == "webSockets":
        client = connect(f"ws://127.0.0.1:{emulator.port}/client/?hub={HUB}",
                         additional_headers={**headers, "Authorization": f"Bearer {token}"})
        client.send(handshake)
        return client.close
    base = f"http://127.0.0.1:{emulator.port}/client"
    authorization = {"Authorization": f"Bearer {token}"}
    negotiate = urllib.request.Request(f"{base}/negotiate?hub={HUB}&negotiateVersion=1", method="POST", headers=authorization)
    with urllib.request.urlopen(negotiate, timeout=WAIT) as response:
        connection_token = json.loads(response.read())["connectionToken"]
    url = f"{base}/?hub={HUB}&id={connection_token}"
    post = urllib.request.Request(url, method="POST", data=handshake.encode(), headers={**headers, **authorization})
    with urllib.request.urlopen(post, timeout=WAIT) as response:
        assert response.status == 200

    def close():
        with urllib.request.urlopen(urllib.request.Request(url, method="DELETE", headers=authorization), timeout=WAIT):
            pass
    return close


@pytest.mark.parametrize("transport", ["webSockets", "longPolling"])
def test_the_app_server_sees_the_clients_request_headers_and_address_but_not_its_token(emulator, app, transport):
    # ClientConnectionContext.cs makes OpenConnection's headers the hub's HttpContext request
    # headers and takes the caller's address from the first X-Forwarded-For value.
    sent = {"X-Request-Tag": "tag-1", "Cookie": "theme=dark", "X-Forwarded-For": "203.0.113.9"}
    close = open_with_headers(emulator, transport, f"headers-{transport}", sent)
    try:
        connection_id = app.opened.get(timeout=WAIT)
        headers = {name.lower(): values for name, values in app.headers[(OPEN_CONNECTION, connection_id)].items()}
        assert headers["x-request-tag"] == ["tag-1"] and headers["cookie"] == ["theme=dark"]
        # The service is the edge: the address is the one it saw, not the one the client claimed.
        assert headers["x-forwarded-for"] == ["127.0.0.1"]
        assert len(headers["asrs-instance-id"]) == 1 and headers["asrs-instance-id"][0]
        # The access token is the service's credential; the app gets the claims instead.
        assert "authorization" not in headers and "sec-websocket-key" not in headers
        assert app.clients[connection_id]["claims"]["asrs.s.uid"] == f"headers-{transport}"
    finally:
        close()


def test_an_emulator_that_shuts_down_tells_its_app_servers_its_instance_is_offline():
    from conftest import Emulator
    emulator = Emulator(extra_args=["--mode", "Default"])
    app = HubApp(emulator)
    close = None
    try:
        close = open_with_headers(emulator, "webSockets", "until-shutdown", {})
        instance = app.headers[(OPEN_CONNECTION, app.opened.get(timeout=WAIT))]["Asrs-Instance-Id"][0]
        emulator.stop()
        # RuntimeServicePingMessage.cs: `offline` names the instance whose clients are gone;
        # ServiceConnectionBase.cs then drops the clients that came from it.
        offline = [app.pings.get(timeout=WAIT) for _ in app.servers]
        assert offline == [[3, "offline", instance]] * len(app.servers)
    finally:
        app.close()
        emulator.stop()
