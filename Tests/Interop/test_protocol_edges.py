"""Tokens, REST bodies and routes, hostile frames, expiry and churn, against the real binary."""
import base64
import json
import signal
import socket
import time
import urllib.request

import jwt
import pytest
import websockets.exceptions
from websockets.sync.client import connect

from conftest import ACCESS_KEY, INTROSPECTION_TOKEN, Emulator, free_port, mint

RS = "\x1e"


def negotiate(emulator, token, hub="chat"):
    request = urllib.request.Request(f"http://127.0.0.1:{emulator.port}/client/negotiate?hub={hub}&negotiateVersion=1", method="POST",
                                     headers={"Authorization": f"Bearer {token}"} if token else {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def unsigned(claims: dict, header: dict) -> str:
    encode = lambda part: base64.urlsafe_b64encode(json.dumps(part).encode()).rstrip(b"=").decode()
    return f"{encode(header)}.{encode(claims)}."


@pytest.mark.parametrize("kind", ["no token", "wrong key", "alg none", "HS512", "expired", "not yet valid", "no expiry", "other hub", "other path", "garbage"])
def test_rejected_client_tokens_get_401_with_a_reason(emulator, kind):
    audience = emulator.client_url("chat")
    now = int(time.time())
    token = {
        "no token": None,
        "wrong key": mint(audience, "x", key="another-key-another-key-another-key-another-key-another-key-1234"),
        "alg none": unsigned({"aud": audience, "exp": now + 600}, {"alg": "none", "typ": "JWT"}),
        "HS512": jwt.encode({"aud": audience, "exp": now + 600}, ACCESS_KEY, algorithm="HS512"),
        "expired": mint(audience, "x", lifetime=-120),
        "not yet valid": mint(audience, "x", nbf=now + 600),
        "no expiry": jwt.encode({"aud": audience}, ACCESS_KEY, algorithm="HS256"),
        "other hub": mint(emulator.client_url("otherhub"), "x"),
        "other path": mint(f"{emulator.endpoint}/api/v1/hubs/chat", "x"),
        "garbage": "not.a.jwt",
    }[kind]
    status, body = negotiate(emulator, token)
    assert status == 401
    assert body["message"]
    assert "Traceback" not in body["message"] and "Swift" not in body["message"]


def test_token_audience_ignores_host_port_scheme_and_case(emulator):
    token = mint(f"https://127.0.0.1:1/CLIENT/?hub=CHAT", "x")
    assert negotiate(emulator, token)[0] == 200
    leeway = mint(emulator.client_url("chat"), "x", lifetime=-30)
    assert negotiate(emulator, leeway)[0] == 200


def test_rest_tokens_must_name_the_request_path(emulator):
    wrong_path = mint(f"{emulator.endpoint}/api/v1/hubs/other")
    assert emulator.rest("POST", "/api/v1/hubs/chat", {"target": "t"}, token=wrong_path)[0] == 401
    assert emulator.rest("POST", "/api/v1/hubs/chat", {"target": "t"}, token="x.y.z")[0] == 401
    mixed_case = mint("http://127.0.0.1:9/API/V1/HUBS/Chat")
    assert emulator.rest("POST", "/api/v1/hubs/chat", {"target": "t"}, token=mixed_case)[0] == 202


@pytest.mark.parametrize("body, reason", [
    ({"arguments": [1]}, "target"),
    ({"target": ""}, "target"),
    ({"target": "t", "arguments": "not a list"}, "arguments"),
    (b"{not json", "valid"),
    (b"[1, 2]", "object"),
])
def test_bad_rest_bodies_get_400_with_a_reason_json_in_dated_apis_and_text_in_v1(emulator, body, reason):
    status, payload = emulator.rest("POST", "/api/hubs/chat/:send?api-version=2022-06-01", body)
    assert status == 400
    assert reason in json.loads(payload)["message"]
    # The v1 document answers errors as text/plain.
    status, payload = emulator.rest("POST", "/api/v1/hubs/chat", body)
    assert status == 400
    assert reason in payload.decode() and not payload.startswith(b"{")


def test_routes_follow_each_document(emulator):
    assert emulator.rest("POST", "/api/v1/hubs/chat/nothing/here", {"target": "t"})[0] == 404
    assert emulator.rest("PATCH", "/api/v1/hubs/chat", {"target": "t"})[0] == 405
    # v1 has GET for existence checks; 2022-06-01 has HEAD only.
    assert emulator.rest("GET", "/api/v1/hubs/chat/connections/none")[0] == 404
    assert emulator.rest("GET", "/api/hubs/chat/connections/none?api-version=2022-06-01")[0] == 405
    assert emulator.rest("POST", "/api/hubs/chat/:send", {"target": "t"})[0] == 400  # api-version is required
    assert emulator.rest("POST", "/api/hubs/chat/:send?api-version=2022-06-01", {"target": "t"})[0] == 202
    assert emulator.rest("POST", "/api/v1/hubs/1bad", {"target": "t"})[0] == 400
    assert emulator.rest("DELETE", "/api/v1/hubs/chat/connections/none")[0] == 202
    assert emulator.rest("PUT", "/api/v1/hubs/chat/groups/g/connections/none")[0] == 404
    assert emulator.rest("PUT", "/api/hubs/chat/users/u/groups/g?api-version=2022-06-01&ttl=-1")[0] == 400
    assert emulator.rest("PUT", "/api/v1/hubs/chat/groups/g/users/u")[0] == 202
    assert emulator.rest("GET", "/api/v1/hubs/chat/groups/g/users/u")[0] == 200


@pytest.mark.parametrize("path", ["/api/health", "/api/v1/health"])
@pytest.mark.parametrize("method", ["GET", "HEAD"])
def test_health_answers_without_auth(emulator, path, method):
    request = urllib.request.Request(f"http://127.0.0.1:{emulator.port}{path}", method=method)
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 200


def test_user_group_membership_with_ttl_expires_on_time(emulator):
    path = "/api/hubs/chat/users/ttl-user/groups/brief?api-version=2022-06-01"
    start = time.monotonic()
    assert emulator.rest("PUT", path + "&ttl=2")[0] == 200
    assert emulator.rest("HEAD", path)[0] == 200
    while emulator.rest("HEAD", path)[0] == 200:
        assert time.monotonic() - start < 4, "the membership outlived its ttl"
        time.sleep(0.1)
    assert time.monotonic() - start >= 1.9


def websocket(emulator, user, hub="chat"):
    token = emulator.client_token(hub, user)
    return connect(f"ws://127.0.0.1:{emulator.port}/client/?hub={hub}&access_token={token}", open_timeout=10)


def refused_upgrade(url):
    """Opens a WebSocket that must be refused; returns the HTTP status and the JSON reason."""
    try:
        connect(url, open_timeout=10).close()
    except websockets.exceptions.InvalidStatus as error:
        return error.response.status_code, json.loads(error.response.body)["message"]
    raise AssertionError(f"the upgrade of {url} was accepted")


def test_refused_websocket_upgrades_answer_with_the_status_and_reason(emulator):
    base = f"ws://127.0.0.1:{emulator.port}"
    good = emulator.client_token("chat", "w")
    expired = mint(emulator.client_url("chat"), "w", lifetime=-120)
    status, reason = refused_upgrade(f"{base}/client/?hub=chat")
    assert status == 401 and "access token" in reason
    status, reason = refused_upgrade(f"{base}/client/?hub=chat&access_token={expired}")
    assert status == 401 and "expired" in reason
    status, reason = refused_upgrade(f"{base}/client/?hub=chat&id=never-negotiated&access_token={good}")
    assert status == 404 and "negotiate" in reason
    status, reason = refused_upgrade(f"{base}/elsewhere/?hub=chat&access_token={good}")
    assert status == 404 and "/client" in reason
    status, reason = refused_upgrade(f"{base}/client/?access_token={good}")
    assert status == 400 and "hub" in reason
    assert emulator.rest("GET", "/api/v1/health")[0] == 200


def test_fragmented_messages_pings_and_a_client_close_follow_rfc_6455(emulator):
    with websocket(emulator, "fragments", hub="plain") as ws:
        # The handshake and then an invocation, each split over several continuation frames.
        handshake = json.dumps({"protocol": "json", "version": 1}) + RS
        ws.send(iter([handshake[:5], handshake[5:12], handshake[12:]]))
        assert ws.recv(timeout=10) == "{}" + RS
        ws.ping(b"are you there").wait(timeout=10)
        invocation = json.dumps({"type": 1, "invocationId": "1", "target": "nobody", "arguments": ["x" * 5000]}) + RS
        ws.send(iter([invocation[:1000], invocation[1000:4000], invocation[4000:]]))
        completion = json.loads(ws.recv(timeout=10).rstrip(RS))
        assert completion["type"] == 3 and completion["invocationId"] == "1" and "No upstream" in completion["error"]
        connection = emulator.wait_for_connection("fragments")
        ws.close()
        assert ws.close_code == 1000
    deadline = time.monotonic() + 10
    while emulator.connections("fragments"):
        assert time.monotonic() < deadline, f"{connection['connectionId']} outlived its close"
        time.sleep(0.05)


def test_handshake_errors_are_answered_then_closed(emulator):
    with websocket(emulator, "hs1") as ws:
        ws.send(json.dumps({"protocol": "xml", "version": 1}) + RS)
        reply = ws.recv(timeout=10)
        assert "not supported" in json.loads(reply.rstrip(RS))["error"]
    with websocket(emulator, "hs2") as ws:
        ws.send(json.dumps({"protocol": "json", "version": 99}) + RS)
        assert "version 99" in json.loads(ws.recv(timeout=10).rstrip(RS))["error"]


@pytest.mark.parametrize("garbage", ["{not json" + RS, json.dumps({"type": 1}) + RS, json.dumps({"type": 42}) + RS, "[1,2,3]" + RS])
def test_malformed_frames_close_the_connection_with_a_reason(emulator, garbage):
    with websocket(emulator, "junk") as ws:
        ws.send(json.dumps({"protocol": "json", "version": 1}) + RS)
        assert ws.recv(timeout=10) == "{}" + RS
        ws.send(garbage)
        close = json.loads(ws.recv(timeout=10).rstrip(RS))
        assert close["type"] == 7 and close["error"].startswith("Invalid message")
    assert emulator.rest("GET", "/api/v1/health")[0] == 200


def test_an_oversized_message_closes_the_connection(emulator):
    with websocket(emulator, "big") as ws:
        ws.send(json.dumps({"protocol": "json", "version": 1}) + RS)
        assert ws.recv(timeout=10) == "{}" + RS
        try:
            ws.send("x" * (2 << 20))
            ws.recv(timeout=10)
        except Exception:
            pass
    assert emulator.rest("GET", "/api/v1/health")[0] == 200


def read_until_closed(raw: socket.socket) -> bytes:
    received = b""
    while chunk := raw.recv(4096):
        received += chunk
    return received


@pytest.mark.parametrize("payload,content_type", [
    (b"\x00\x01\x02garbage\r\n\r\n", b"text/plain"),
    (b"\x16\x03\x01 a TLS hello on the plain port\r\n\r\n", b"text/plain"),
    (b"DELETE /api/v1/hubs/chat/connections/c HTTP/1.1\r\nHost: x\r\nContent-Length: \r\n\r\n", b"text/plain"),
    (b"DELETE /api/hubs/chat/connections/c?api-version=2022-06-01 HTTP/1.1\r\nHost: x\r\nContent-Length: u\r\n\r\n", b"application/json"),
    (b"GET /client/?hub=chat HTTP/1.1\r\nHost: x\r\nContent-Length: x\r\n\r\n", b"text/plain"),
], ids=["binary", "tls-hello", "v1-empty-content-length", "dated-api-bad-content-length", "bad-content-length-on-upgrade-path"])
def test_a_first_request_that_does_not_parse_gets_400_in_its_apis_error_form_and_the_socket_closes(emulator, payload, content_type):
    with socket.create_connection(("127.0.0.1", emulator.port), timeout=10) as raw:
        raw.sendall(payload)
        answer = read_until_closed(raw)
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 400 Bad Request\r\n")
    assert f"content-type: {content_type.decode()}".encode() in head.lower()
    assert f"content-length: {len(body)}".encode() in head.lower() and body
    if content_type == b"application/json":
        assert json.loads(body)["code"] == "BadRequest"
    assert emulator.rest("GET", "/api/v1/health")[0] == 200


def test_a_huge_declared_body_that_never_comes_leaves_the_emulator_serving(emulator):
    with socket.create_connection(("127.0.0.1", emulator.port), timeout=10) as raw:
        raw.sendall(b"POST /api/v1/hubs/chat HTTP/1.1\r\nContent-Length: 99999999999\r\n\r\n")
        assert emulator.rest("GET", "/api/v1/health")[0] == 200


def test_a_later_request_that_does_not_parse_is_answered_after_the_one_before_it(emulator):
    with socket.create_connection(("127.0.0.1", emulator.port), timeout=10) as raw:
        raw.sendall(b"GET /api/v1/health HTTP/1.1\r\nHost: x\r\n\r\nGET /api/v1/health HTTP/1.1\r\nHost: x\r\nContent-Length: \r\n\r\n")
        answer = read_until_closed(raw)
    assert answer.startswith(b"HTTP/1.1 200 OK\r\n")
    assert answer.count(b"HTTP/1.1 400 Bad Request\r\n") == 1 and answer.index(b" 400 ") > answer.index(b" 200 ")
    assert emulator.rest("GET", "/api/v1/health")[0] == 200


def test_churn_leaves_nothing_behind(emulator):
    for index in range(100):
        with websocket(emulator, f"churn-{index % 7}") as ws:
            ws.send(json.dumps({"protocol": "json", "version": 1}) + RS)
            assert ws.recv(timeout=10) == "{}" + RS
            connection = emulator.wait_for_connection(f"churn-{index % 7}")
            emulator.rest("PUT", f"/api/v1/hubs/chat/groups/churn-{index}/connections/{connection['connectionId']}")
    deadline = time.monotonic() + 10
    while emulator.connections() and time.monotonic() < deadline:
        time.sleep(0.05)
    leftover = [c for c in emulator.connections() if c["userId"] and c["userId"].startswith("churn")]
    assert leftover == []
    for index in range(100):
        assert emulator.rest("GET", f"/api/v1/hubs/chat/groups/churn-{index}")[0] == 404


def test_upstream_down_gives_a_completion_error_and_the_emulator_stays_up():
    dead_port = free_port()
    emulator = Emulator([{"urlTemplate": f"http://127.0.0.1:{dead_port}/{{event}}"}])
    try:
        with websocket(emulator, "down") as ws:
            ws.send(json.dumps({"protocol": "json", "version": 1}) + RS)
            assert ws.recv(timeout=10) == "{}" + RS
            ws.send(json.dumps({"type": 1, "invocationId": "7", "target": "hello", "arguments": []}) + RS)
            while True:
                message = json.loads(ws.recv(timeout=15).rstrip(RS))
                if message["type"] == 3:
                    break
            assert message["invocationId"] == "7"
            assert "could not be reached" in message["error"]
        assert emulator.rest("GET", "/api/v1/health")[0] == 200
    finally:
        emulator.stop()


def test_introspection_needs_its_token(emulator):
    try:
        urllib.request.urlopen(f"http://127.0.0.1:{emulator.port}/_apphost/state", timeout=10)
        raise AssertionError("state without a token must be refused")
    except urllib.error.HTTPError as error:
        assert error.code == 401


def handshaken(emulator, user, hub="chat"):
    ws = websocket(emulator, user, hub)
    ws.send(json.dumps({"protocol": "json", "version": 1}) + RS)
    assert ws.recv(timeout=10) == "{}" + RS
    return ws


def test_keep_alive_pings_and_silent_clients_are_dropped():
    emulator = Emulator(extra_args=["--keep-alive-interval", "0.5", "--client-timeout", "2"])
    try:
        with handshaken(emulator, "quiet") as ws:
            start = time.monotonic()
            assert json.loads(ws.recv(timeout=5).rstrip(RS)) == {"type": 6}
            while True:
                message = json.loads(ws.recv(timeout=5).rstrip(RS))
                if message["type"] == 7:
                    break
            elapsed = time.monotonic() - start
            assert "timeout" in message["error"].lower()
            assert 1.5 <= elapsed <= 5
    finally:
        emulator.stop()


def deaf_client(emulator, user, receive_buffer=None):
    """A raw socket that upgrades, sends its handshake and then neither reads nor answers."""
    deaf = socket.create_connection(("127.0.0.1", emulator.port))
    if receive_buffer:
        deaf.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer)
    key = base64.b64encode(b"0123456789abcdef").decode()
    token = emulator.client_token("chat", user)
    deaf.sendall((f"GET /client/?hub=chat&access_token={token} HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                  f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n").encode())
    handshake = (json.dumps({"protocol": "json", "version": 1}) + RS).encode()
    mask = b"\x01\x02\x03\x04"
    deaf.sendall(bytes([0x81, 0x80 | len(handshake)]) + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(handshake)))
    emulator.wait_for_connection(user)
    return deaf


def test_a_slow_reader_is_dropped_and_the_others_keep_receiving():
    emulator = Emulator(extra_args=["--outbox-limit", "65536"])
    try:
        # A client that finishes its handshake and then never reads, with a tiny receive buffer.
        slow = deaf_client(emulator, "slow", receive_buffer=4096)
        with handshaken(emulator, "fast") as fast:
            payload = "y" * 32768
            for index in range(200):
                assert emulator.rest("POST", "/api/v1/hubs/chat", {"target": "bulk", "arguments": [index, payload]})[0] == 202
                # The fast client reads as it goes.
                while True:
                    message = json.loads(fast.recv(timeout=10).rstrip(RS))
                    if message["type"] == 1:
                        assert message["arguments"][0] == index
                        break
            assert emulator.connections("slow") == []
            assert len(emulator.connections("fast")) == 1
        slow.close()
    finally:
        emulator.stop()


def test_the_event_feed_reports_connects_messages_and_upstream_calls(emulator, upstream):
    request = urllib.request.Request(f"http://127.0.0.1:{emulator.port}/_apphost/events",
                                     headers={"Authorization": f"Bearer {INTROSPECTION_TOKEN}"})
    feed = urllib.request.urlopen(request, timeout=10)
    events = []

    def next_event():
        while True:
            line = feed.readline().decode()
            if line.startswith("data: "):
                return json.loads(line[6:])

    with handshaken(emulator, "watched") as ws:
        ws.send(json.dumps({"type": 1, "target": "shout", "arguments": ["hi"]}) + RS)
        while not any(e["type"] == "upstream" and e["event"] == "shout" for e in events):
            events.append(next_event())
    kinds = [e["type"] for e in events]
    assert "connected" in kinds and "messageIn" in kinds
    upstream_call = next(e for e in events if e["type"] == "upstream" and e["event"] == "shout")
    assert upstream_call["status"] == 200 and upstream_call["durationMs"] >= 0
    feed.close()


def test_a_blocking_connect_upstream_can_refuse_a_client(upstream):
    rules = [{"urlTemplate": f"http://127.0.0.1:{upstream.port}/gate/{{event}}", "categoryPattern": "connections", "eventPattern": "connect"}]
    emulator = Emulator(rules)
    try:
        with handshaken(emulator, "welcome"):
            pass
        token = emulator.client_token("chat", "mallory")
        try:
            connect(f"ws://127.0.0.1:{emulator.port}/client/?hub=chat&access_token={token}", open_timeout=10)
            raise AssertionError("the upstream refused mallory, so must the emulator")
        except websockets.exceptions.InvalidStatus as error:
            # The refusal is an HTTP status with a JSON reason, as for the HTTP transports.
            assert error.response.status_code == 403
            assert "upstream refused" in json.loads(error.response.body)["message"]
        refused = upstream.wait_for(lambda r: r["headers"].get("x-asrs-event") == "connect" and r["headers"].get("x-asrs-user-id") == "mallory")
        assert refused["path"] == "/gate/connect"
    finally:
        emulator.stop()


def test_a_long_polling_client_that_stops_polling_is_ended(upstream):
    rules = [{"urlTemplate": f"http://127.0.0.1:{upstream.port}/lp/{{event}}", "hubPattern": "lp"}]
    emulator = Emulator(rules, extra_args=["--keep-alive-interval", "0.5", "--client-timeout", "2"])
    try:
        token = emulator.client_token("lp", "vanishing")
        status, negotiated = negotiate(emulator, token, hub="lp")
        assert status == 200
        base = f"http://127.0.0.1:{emulator.port}/client/?hub=lp&id={negotiated['connectionToken']}&access_token={token}"
        with urllib.request.urlopen(base, timeout=10) as first_poll:
            assert first_poll.status == 200
        handshake = (json.dumps({"protocol": "json", "version": 1}) + RS).encode()
        urllib.request.urlopen(urllib.request.Request(base, method="POST", data=handshake), timeout=10).close()
        connection_id = negotiated["connectionId"]
        upstream.wait_for(lambda r: r["headers"].get("x-asrs-event") == "connected" and r["headers"]["x-asrs-connection-id"] == connection_id)
        # The client never polls again: it is timed out, and its end is reported upstream.
        disconnected = upstream.wait_for(lambda r: r["headers"].get("x-asrs-event") == "disconnected" and r["headers"]["x-asrs-connection-id"] == connection_id, timeout=15)
        assert json.loads(disconnected["body"])["type"] == 11
    finally:
        emulator.stop()


def test_stopping_the_emulator_closes_clients_with_a_reconnectable_close_message():
    emulator = Emulator()
    try:
        ws = handshaken(emulator, "leaving")
        deaf = deaf_client(emulator, "deaf")  # never answers the WebSocket Close
        started = time.monotonic()
        emulator.process.send_signal(signal.SIGTERM)
        close = json.loads(ws.recv(timeout=10).rstrip(RS))
        assert close["type"] == 7 and close["allowReconnect"] is True and "shutting down" in close["error"]
        try:
            ws.recv(timeout=10)
            raise AssertionError("the WebSocket stayed open after the Close message")
        except websockets.exceptions.ConnectionClosedOK:
            pass
        assert emulator.process.wait(timeout=10) == 0
        assert time.monotonic() - started < 5, "a client that never answers the Close frame held the emulator up"
        deaf.close()
    finally:
        emulator.stop()


def test_long_polling_carries_messagepack_frames_whole(emulator):
    # signalrcore's long polling client waits for the JSON protocol's 0x1E separator even for
    # MessagePack, whose frames are length-prefixed, so it receives nothing from any server; this
    # is the same exchange made by hand, read as the MessagePack hub protocol frames it.
    import msgpack
    token = emulator.client_token("chat", "lp-binary")
    status, negotiated = negotiate(emulator, token)
    assert status == 200
    base = f"http://127.0.0.1:{emulator.port}/client/?hub=chat&id={negotiated['connectionToken']}&access_token={token}"
    handshake = (json.dumps({"protocol": "messagepack", "version": 1}) + RS).encode()
    urllib.request.urlopen(urllib.request.Request(base, method="POST", data=handshake), timeout=10).close()
    with urllib.request.urlopen(base, timeout=10) as poll:
        assert poll.read() == b"{}" + RS.encode()
    assert emulator.rest("POST", "/api/v1/hubs/chat/users/lp-binary", {"target": "newMessage", "arguments": ["binary", 2]})[0] == 202
    with urllib.request.urlopen(base, timeout=10) as poll:
        assert poll.headers["Content-Type"] == "application/octet-stream"
        body = poll.read()
    length = body[0]
    assert length < 0x80 and len(body) == 1 + length
    # An invocation with its (empty) stream ids, as ASP.NET Core writes it.
    assert msgpack.unpackb(body[1:], raw=False) == [1, {}, None, "newMessage", ["binary", 2], []]
    urllib.request.urlopen(urllib.request.Request(base, method="DELETE"), timeout=10).close()
