"""REST API 2024-12-01 (../shared/reference/signalr-rest-api-2024-12-01.json) against the
emulator, with real clients where a client takes part: tokens from `:generateToken` and
temporary keys from `/api/auth/accessKey` (signalrcore connects with them), `:invoke` answered
by pysignalr's client results, streams to a signalrcore client, `:execute` with an OData
filter, and a group's connections in pages."""
import asyncio
import json
import queue
import threading
import time
import urllib.parse

import jwt
import pytest
from pysignalr.client import SignalRClient

from conftest import Emulator
from test_clients import WAIT, SignalRCoreClient
from test_protocol_edges import RS, handshaken

API = "api-version=2024-12-01"


def rest(emulator, method, path, body=None, query=""):
    """A 2024-12-01 call; returns (status, parsed JSON body or raw bytes)."""
    status, raw = emulator.rest(method, f"{path}?{API}{query}", body)
    try:
        return status, json.loads(raw) if raw else None
    except ValueError:
        return status, raw


@pytest.fixture(scope="module")
def emulator_2024(upstream):
    rules = [{"urlTemplate": f"http://127.0.0.1:{upstream.port}/up/{{hub}}/{{event}}", "hubPattern": "streams"}]
    instance = Emulator(rules, extra_args=["--client-invocation-timeout", "2"])
    yield instance
    instance.stop()


def test_generate_token_gives_a_token_a_real_client_connects_with(emulator_2024):
    status, body = rest(emulator_2024, "POST", "/api/hubs/chat/:generateToken", query="&userId=gina&minutesToExpire=5")
    assert status == 200, body
    claims = jwt.decode(body["token"], options={"verify_signature": False})
    assert claims["asrs.s.uid"] == "gina"
    assert claims["aud"].endswith("/client/?hub=chat")
    assert 295 <= claims["exp"] - time.time() <= 305
    token = body["token"]
    client = SignalRCoreClient(emulator_2024.client_url("chat"), options={"access_token_factory": lambda: token}).start()
    try:
        emulator_2024.wait_for_connection("gina")
        assert rest(emulator_2024, "POST", "/api/hubs/chat/users/gina/:send", {"target": "newMessage", "arguments": ["hi gina"]})[0] == 202
        assert client.next() == ["hi gina"]
    finally:
        client.stop(emulator_2024, "gina")
    for bad in ["0", "-1", "soon"]:
        status, body = rest(emulator_2024, "POST", "/api/hubs/chat/:generateToken", query=f"&minutesToExpire={bad}")
        assert status == 400 and "minutesToExpire" in body["message"]


def test_a_temporary_key_signs_client_tokens_until_it_expires():
    emulator = Emulator(extra_args=["--temporary-key-lifetime", "2"])
    try:
        status, body = rest(emulator, "GET", "/api/auth/accessKey")
        assert status == 200 and set(body) == {"AccessKey", "KeyId"}
        key, key_id = body["AccessKey"], body["KeyId"]

        def token(kid, secret=key):
            claims = {"aud": emulator.client_url("chat"), "exp": int(time.time()) + 600, "asrs.s.uid": "kim"}
            return jwt.encode(claims, secret, algorithm="HS256", headers={"kid": kid})

        def negotiate(value):
            import urllib.request
            request = urllib.request.Request(f"http://127.0.0.1:{emulator.port}/client/negotiate?hub=chat&negotiateVersion=1", method="POST",
                                             data=b"", headers={"Authorization": f"Bearer {value}"})
            try:
                with urllib.request.urlopen(request, timeout=10) as response:
                    return response.status, json.loads(response.read())
            except urllib.error.HTTPError as error:
                return error.code, json.loads(error.read())

        signed = token(key_id)
        client = SignalRCoreClient(emulator.client_url("chat"), options={"access_token_factory": lambda: signed}).start()
        emulator.wait_for_connection("kim")
        client.stop(emulator, "kim")
        status, body = negotiate(token(key_id[:-2] + "xx"))
        assert status == 401 and "never gave out" in body["message"]
        status, body = negotiate(token(key_id, secret="another-secret-another-secret-another"))
        assert status == 401 and "does not match temporary key" in body["message"]
        # The key lives 2 s here: once it has expired its tokens are refused, saying so.
        deadline = time.monotonic() + 10
        while negotiate(signed)[0] == 200:
            assert time.monotonic() < deadline, "the temporary key never expired"
            time.sleep(0.1)
        status, body = negotiate(signed)
        assert status == 401 and "expired" in body["message"] and key_id in body["message"]
    finally:
        emulator.stop()


def test_invoke_returns_the_result_a_real_client_gives(emulator_2024):
    async def scenario():
        token = emulator_2024.client_token("chat", "ida")
        # pysignalr sends its token factory's token only after negotiating: the header is set here.
        client = SignalRClient(emulator_2024.client_url("chat"), headers={"Authorization": f"Bearer {token}"})
        opened = asyncio.Event()

        async def on_open():
            opened.set()

        async def add(arguments):
            return {"sum": arguments[0] + arguments[1]}

        async def refuse(arguments):
            raise ValueError("no, thanks")

        async def ignore(arguments):
            await asyncio.sleep(3600)

        client.on("add", add)
        client.on("refuse", refuse)
        client.on("ignore", ignore)
        client.on_open(on_open)
        task = asyncio.create_task(client.run())
        try:
            await asyncio.wait_for(opened.wait(), WAIT)
            connection_id = (await asyncio.to_thread(emulator_2024.wait_for_connection, "ida"))["connectionId"]
            path = f"/api/hubs/chat/connections/{connection_id}/:invoke"
            status, body = await asyncio.to_thread(rest, emulator_2024, "POST", path, {"target": "add", "arguments": [2, 3]})
            assert (status, body) == (200, {"result": {"sum": 5}})
            status, body = await asyncio.to_thread(rest, emulator_2024, "POST", path, {"target": "refuse", "arguments": []})
            assert status == 400 and "no, thanks" in body["message"]
            status, body = await asyncio.to_thread(rest, emulator_2024, "POST", path, {"target": "ignore", "arguments": []})
            assert status == 504 and "did not answer" in body["message"]
        finally:
            task.cancel()
    asyncio.run(scenario())
    status, body = rest(emulator_2024, "POST", "/api/hubs/chat/connections/nobody/:invoke", {"target": "add", "arguments": []})
    assert status == 404


def test_an_app_streams_to_a_client_through_the_rest_api(emulator_2024, upstream):
    client = SignalRCoreClient(emulator_2024.client_url("streams"),
                               options={"access_token_factory": lambda: emulator_2024.client_token("streams", "sam")}).start()
    items, done = queue.Queue(), threading.Event()
    try:
        client.hub.stream("countdown", [3]).subscribe({"next": items.put, "complete": lambda *_: done.set(), "error": lambda e: items.put(("error", e))})
        request = upstream.wait_for(lambda r: r["headers"].get("x-asrs-event") == "countdown")
        invocation = json.loads(request["body"].rstrip(b"\x1e"))
        assert invocation["type"] == 4 and invocation["arguments"] == [3]
        connection_id = request["headers"]["x-asrs-connection-id"]
        base = f"/api/hubs/streams/connections/{connection_id}/streams/{invocation['invocationId']}"
        for value in [3, 2]:
            assert rest(emulator_2024, "POST", f"{base}/:send", value)[0] == 202
        assert rest(emulator_2024, "POST", f"{base}/:send", 1, query="&completed=true")[0] == 202
        assert [items.get(timeout=WAIT) for _ in range(3)] == [3, 2, 1]
        assert done.wait(WAIT)
        assert rest(emulator_2024, "POST", f"/api/hubs/streams/connections/nobody/streams/x/:complete")[0] == 404
    finally:
        client.stop(emulator_2024, "sam", hub="streams")


def test_execute_applies_every_command_to_the_connections_the_filter_selects(emulator_2024):
    sockets = {user: handshaken(emulator_2024, user, hub="exec") for user in ["listener-1", "listener-2", "other"]}
    try:
        for user in sockets:
            emulator_2024.wait_for_connection(user)
        commands = [{"type": "JoinGroup", "group": "listeners"},
                    {"type": "SendMessage", "message": {"target": "hello", "arguments": ["only listeners"]}}]
        status, _ = rest(emulator_2024, "POST", "/api/hubs/exec/:execute", commands,
                         query="&filter=" + urllib.parse.quote("startswith(userId, 'listener-')"))
        assert status == 202
        for user in ["listener-1", "listener-2"]:
            message = json.loads(sockets[user].recv(timeout=WAIT).rstrip(RS))
            assert (message["target"], message["arguments"]) == ("hello", ["only listeners"])
        status, body = rest(emulator_2024, "GET", "/api/hubs/exec/groups/listeners/connections")
        assert status == 200 and sorted(m["userId"] for m in body["value"]) == ["listener-1", "listener-2"]
        # The one outside the filter got nothing: the next thing it receives is this broadcast.
        assert rest(emulator_2024, "POST", "/api/hubs/exec/:send", {"target": "all", "arguments": []})[0] == 202
        assert json.loads(sockets["other"].recv(timeout=WAIT).rstrip(RS))["target"] == "all"

        # A filter that cannot be read, or one bad command, refuses the whole request.
        status, body = rest(emulator_2024, "POST", "/api/hubs/exec/:execute", commands, query="&filter=" + urllib.parse.quote("userId eqq 'a'"))
        assert status == 400 and "position 8" in body["message"]
        bad = [{"type": "LeaveGroup", "group": "listeners"}, {"type": "Explode"}]
        status, body = rest(emulator_2024, "POST", "/api/hubs/exec/:execute", bad)
        assert status == 400 and "command 2" in body["message"] and "Explode" in body["message"]
        assert len(rest(emulator_2024, "GET", "/api/hubs/exec/groups/listeners/connections")[1]["value"]) == 2

        status, _ = rest(emulator_2024, "POST", "/api/hubs/exec/:execute", [{"type": "CloseConnection", "reason": "bye"}],
                         query="&filter=" + urllib.parse.quote("'listeners' in groups and userId ne 'listener-1'"))
        assert status == 202
        received = [json.loads(sockets["listener-2"].recv(timeout=WAIT).rstrip(RS)) for _ in range(2)]
        assert received[0]["target"] == "all"
        assert received[1]["type"] == 7 and received[1]["error"] == "bye"
    finally:
        for ws in sockets.values():
            ws.close()


def test_a_groups_connections_come_in_pages_that_follow_next_link(emulator_2024):
    sockets = [handshaken(emulator_2024, f"member-{index}", hub="pages") for index in range(5)]
    try:
        ids = [emulator_2024.wait_for_connection(f"member-{index}")["connectionId"] for index in range(5)]
        for connection_id in ids:
            assert rest(emulator_2024, "PUT", f"/api/hubs/pages/groups/team/connections/{connection_id}")[0] == 200
        seen, query, pages = [], "&maxpagesize=2", 0
        while True:
            status, body = rest(emulator_2024, "GET", "/api/hubs/pages/groups/team/connections", query=query)
            assert status == 200
            pages += 1
            assert len(body["value"]) <= 2
            seen += [member["connectionId"] for member in body["value"]]
            if "nextLink" not in body:
                break
            link = urllib.parse.urlparse(body["nextLink"])
            assert link.path == "/api/hubs/pages/groups/team/connections"
            query = "&" + "&".join(part for part in link.query.split("&") if not part.startswith("api-version="))
        assert sorted(seen) == sorted(ids) and pages == 3
        status, body = rest(emulator_2024, "GET", "/api/hubs/pages/groups/team/connections", query="&top=3&maxpagesize=2")
        link = urllib.parse.urlparse(body["nextLink"])
        status, rest_of_top = rest(emulator_2024, "GET", link.path, query="&" + link.query.replace(API, "").strip("&"))
        assert len(body["value"]) + len(rest_of_top["value"]) == 3 and "nextLink" not in rest_of_top
        for bad in ["&maxpagesize=0", "&maxpagesize=201", "&top=0"]:
            assert rest(emulator_2024, "GET", "/api/hubs/pages/groups/team/connections", query=bad)[0] == 400
    finally:
        for ws in sockets:
            ws.close()
