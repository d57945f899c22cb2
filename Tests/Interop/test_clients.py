"""Real third-party SignalR clients from PyPI against `apphost emulator`: signalrcore (JSON and
MessagePack over WebSockets; Server-Sent Events and long polling) and pysignalr."""
import asyncio
import json
import logging
import queue
import threading

import pytest
from pysignalr.client import SignalRClient
from signalrcore.hub_connection_builder import HubConnectionBuilder
from signalrcore.protocol.json_hub_protocol import JsonHubProtocol
from signalrcore.protocol.messagepack_protocol import MessagePackHubProtocol
from signalrcore.types import HttpTransportType

WAIT = 10


class SignalRCoreClient:
    """A signalrcore connection with a queue per client method and open/close events."""

    def __init__(self, url, options=None, messagepack=False, methods=("newMessage",)):
        builder = HubConnectionBuilder().with_url(url, options=options or {}).configure_logging(logging.CRITICAL)
        builder = builder.with_hub_protocol(MessagePackHubProtocol() if messagepack else JsonHubProtocol())
        self.hub = builder.build()
        self.opened, self.closed = threading.Event(), threading.Event()
        self.errors: "queue.Queue" = queue.Queue()
        self.received = {name: queue.Queue() for name in methods}
        for name in methods:
            self.hub.on(name, self.received[name].put)
        self.hub.on_open(self.opened.set)
        self.hub.on_close(self.closed.set)
        self.hub.on_error(self.errors.put)

    def start(self):
        self.hub.start()
        assert self.opened.wait(WAIT), "the client did not connect"
        return self

    def next(self, method="newMessage"):
        return self.received[method].get(timeout=WAIT)

    def nothing(self, method="newMessage", within=0.5):
        try:
            message = self.received[method].get(timeout=within)
        except queue.Empty:
            return True
        raise AssertionError(f"unexpected message {message}")

    def stop(self, emulator=None, user=None, hub="chat"):
        # signalrcore's reader thread wakes only when data arrives, so a client-side stop waits
        # for the next keep-alive ping; closing from the service side first ends it at once.
        if emulator is not None and user is not None and not self.closed.is_set():
            emulator.rest("POST", f"/api/hubs/{hub}/users/{user}/:closeConnections?api-version=2022-06-01")
            self.closed.wait(WAIT)
        self.hub.stop()


def rest_v1(emulator, method, path, body=None):
    return emulator.rest(method, f"/api/v1/hubs/chat{path}", body)


def rest_2022(emulator, method, path, body=None, query=""):
    return emulator.rest(method, f"/api/hubs/chat{path}?api-version=2022-06-01{query}", body)


@pytest.mark.parametrize("messagepack", [False, True], ids=["json", "messagepack"])
def test_signalrcore_over_websockets_through_a_negotiate_redirect(emulator, app_server, messagepack):
    user = "alice-mp" if messagepack else "alice-json"
    client = SignalRCoreClient(app_server.hub_url(user), messagepack=messagepack).start()
    try:
        connection = emulator.wait_for_connection(user, protocol="messagepack" if messagepack else "json")
        assert connection["transport"] == "WebSockets"
        connection_id = connection["connectionId"]

        assert rest_v1(emulator, "POST", "", {"target": "newMessage", "arguments": ["broadcast", 1]})[0] == 202
        assert client.next() == ["broadcast", 1]

        assert rest_v1(emulator, "POST", f"/users/{user}", {"target": "newMessage", "arguments": ["to user"]})[0] == 202
        assert client.next() == ["to user"]

        assert rest_2022(emulator, "POST", f"/connections/{connection_id}/:send", {"target": "newMessage", "arguments": [{"nested": [1, 2.5, None, True]}]})[0] == 202
        assert client.next() == [{"nested": [1, 2.5, None, True]}]

        # Join a group, receive what is sent to it, leave, receive nothing more.
        assert rest_v1(emulator, "PUT", f"/groups/room/connections/{connection_id}")[0] == 200
        assert rest_v1(emulator, "GET", "/groups/room")[0] == 200
        assert rest_2022(emulator, "POST", "/groups/room/:send", {"target": "newMessage", "arguments": ["to group"]})[0] == 202
        assert client.next() == ["to group"]
        assert rest_2022(emulator, "POST", "/groups/room/:send", {"target": "newMessage", "arguments": ["excluded"]}, f"&excluded={connection_id}")[0] == 202
        assert rest_2022(emulator, "DELETE", f"/groups/room/connections/{connection_id}")[0] == 200
        assert rest_v1(emulator, "POST", "/groups/room", {"target": "newMessage", "arguments": ["after leaving"]})[0] == 202
        assert client.nothing()
        assert rest_v1(emulator, "GET", "/groups/room")[0] == 404

        # Closed by REST: the client is told and the connection is gone.
        assert rest_2022(emulator, "DELETE", f"/connections/{connection_id}", query="&reason=bye")[0] == 200
        assert client.closed.wait(WAIT)
        assert rest_v1(emulator, "GET", f"/connections/{connection_id}")[0] == 404
    finally:
        client.stop(emulator, user)


def test_user_group_membership_reaches_every_connection_of_the_user(emulator, app_server):
    first = SignalRCoreClient(app_server.hub_url("bob")).start()
    second = SignalRCoreClient(app_server.hub_url("bob"), messagepack=True).start()
    try:
        emulator.wait_for_connection("bob", protocol="json")
        emulator.wait_for_connection("bob", protocol="messagepack")
        assert rest_2022(emulator, "PUT", "/users/bob/groups/team")[0] == 200
        assert rest_2022(emulator, "HEAD", "/users/bob/groups/team")[0] == 200
        assert rest_v1(emulator, "POST", "/groups/team", {"target": "newMessage", "arguments": ["team news"]})[0] == 202
        assert first.next() == ["team news"]
        assert second.next() == ["team news"]
        assert rest_2022(emulator, "DELETE", "/users/bob/groups/team")[0] == 204
        assert rest_2022(emulator, "HEAD", "/users/bob/groups/team")[0] == 404
        assert rest_2022(emulator, "POST", "/users/bob/:closeConnections")[0] == 204
        assert first.closed.wait(WAIT) and second.closed.wait(WAIT)
        assert rest_2022(emulator, "HEAD", "/users/bob")[0] == 404
    finally:
        first.stop(emulator, "bob")
        second.stop(emulator, "bob")


@pytest.mark.parametrize("transport", [HttpTransportType.server_sent_events, HttpTransportType.long_polling], ids=["sse", "long-polling"])
def test_signalrcore_over_http_transports(emulator, transport):
    user = f"carol-{transport.value}"
    token = emulator.client_token("chat", user)
    client = SignalRCoreClient(emulator.client_url("chat"), options={"access_token_factory": lambda: token, "transport": transport}).start()
    try:
        connection = emulator.wait_for_connection(user)
        assert connection["transport"] == transport.value
        assert rest_v1(emulator, "POST", f"/users/{user}", {"target": "newMessage", "arguments": ["over " + transport.value]})[0] == 202
        assert client.next() == ["over " + transport.value]
        # A client invocation travels over the transport's POST and back as a completion.
        completions = queue.Queue()
        client.hub.send("echo", ["ping", 7], on_invocation=completions.put)
        completion = completions.get(timeout=WAIT)
        assert completion.result == ["ping", 7]
    finally:
        client.stop(emulator, user)


def test_client_invocation_reaches_upstream_and_returns_its_completion(emulator, app_server, upstream):
    client = SignalRCoreClient(app_server.hub_url("dave")).start()
    try:
        connection_id = emulator.wait_for_connection("dave")["connectionId"]
        connected = upstream.wait_for(lambda r: r["headers"].get("x-asrs-event") == "connected" and r["headers"]["x-asrs-connection-id"] == connection_id)
        assert connected["signature_ok"]
        assert connected["path"] == "/upstream/chat/connections/connected"
        assert json.loads(connected["body"]) == {"type": 10}
        assert connected["headers"]["x-asrs-user-id"] == "dave"
        assert connected["headers"]["x-asrs-hub"] == "chat"

        completions = queue.Queue()
        client.hub.send("echo", ["hello", {"n": 1}], on_invocation=completions.put)
        assert completions.get(timeout=WAIT).result == ["hello", {"n": 1}]
        request = upstream.wait_for(lambda r: r["headers"].get("x-asrs-event") == "echo")
        assert request["path"] == "/upstream/chat/messages/echo"
        assert request["headers"]["x-asrs-category"] == "messages"
        assert request["headers"]["content-type"] == "application/json"
        assert json.loads(request["body"])["target"] == "echo"

        # An upstream error becomes a completion error, not silence.
        client.hub.send("fail", [], on_invocation=completions.put)
        error = client.errors.get(timeout=WAIT)
        assert "500" in error.error
    finally:
        client.stop(emulator, "dave")
    disconnected = upstream.wait_for(lambda r: r["headers"].get("x-asrs-event") == "disconnected" and r["headers"]["x-asrs-connection-id"] == connection_id)
    assert json.loads(disconnected["body"])["type"] == 11


def test_invocation_without_upstream_gets_a_completion_error(emulator):
    token = emulator.client_token("lonely", "erin")
    client = SignalRCoreClient(emulator.client_url("lonely"), options={"access_token_factory": lambda: token}).start()
    try:
        emulator.wait_for_connection("erin")
        client.hub.send("anything", [1])
        error = client.errors.get(timeout=WAIT)
        assert "No upstream handles 'anything'" in error.error
    finally:
        client.stop(emulator, "erin", hub="lonely")


def test_pysignalr_through_a_negotiate_redirect(emulator, app_server):
    async def scenario():
        received = asyncio.Queue()
        opened = asyncio.Event()
        client = SignalRClient(app_server.hub_url("frank"))

        async def on_message(arguments):
            await received.put(arguments)

        async def on_open():
            opened.set()

        client.on("newMessage", on_message)
        client.on_open(on_open)
        task = asyncio.create_task(client.run())
        try:
            await asyncio.wait_for(opened.wait(), WAIT)
            connection = await asyncio.to_thread(emulator.wait_for_connection, "frank")
            status, _ = await asyncio.to_thread(rest_v1, emulator, "POST", "", {"target": "newMessage", "arguments": ["to pysignalr"]})
            assert status == 202
            assert await asyncio.wait_for(received.get(), WAIT) == ["to pysignalr"]
            await asyncio.to_thread(rest_v1, emulator, "PUT", f"/groups/py/connections/{connection['connectionId']}")
            await asyncio.to_thread(rest_2022, emulator, "POST", "/groups/py/:send", {"target": "newMessage", "arguments": ["group"]})
            assert await asyncio.wait_for(received.get(), WAIT) == ["group"]
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)

    asyncio.run(scenario())
