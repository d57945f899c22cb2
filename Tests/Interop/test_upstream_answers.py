"""Client invocations answered the way the Azure Functions SignalR extension answers them: the
completion written by the hub protocol with its framing (JSON + 0x1E, MessagePack with its
varint length; `protocol.GetMessageBytes(CompletionMessage.WithResult(...))` in the extension's
SignalRInvocationMethodExecutor), in the protocol of the request's Content-Type. Real clients
(signalrcore, JSON and MessagePack) must get the result as the function returned it."""
import json
import queue
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import msgpack
import pytest

from conftest import Emulator
from test_clients import WAIT, SignalRCoreClient

VALUES = {
    "integer": 42, "negative": -123456789012, "float": 1.5, "true": True, "null": None, "text": "héllo",
    "list": [1, "a", [None]], "object": {"k": [1, {"deep": True}]}, "empty": "",
}


def varint(length: int) -> bytes:
    prefix = bytearray()
    while True:
        byte = length & 0x7F
        length >>= 7
        prefix.append(byte | (0x80 if length else 0))
        if not length:
            return bytes(prefix)


class FunctionsLikeUpstream:
    """Answers `result_<kind>` with that value, `void` with a completion without result,
    `fail` with an error completion, `empty` with an empty 200, `nocontent` with 204,
    `garbage` with an HTML page; framed as the Functions extension frames, or unframed when the
    URL says `plain`."""

    def __init__(self):
        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                framed = "/plain/" not in self.path
                event = self.headers.get("X-ASRS-Event", "")
                if self.headers.get("X-ASRS-Category") != "messages":
                    return self.answer(200, b"", None)
                binary = "msgpack" in self.headers.get("Content-Type", "")
                if binary:
                    invocation_id = msgpack.unpackb(body, raw=False)[2]
                else:
                    invocation_id = json.loads(body.rstrip(b"\x1e"))["invocationId"]
                if event == "empty":
                    return self.answer(200, b"", None)
                if event == "nocontent":
                    return self.answer(204, b"", None)
                if event == "garbage":
                    return self.answer(200, b"<html>not a completion</html>", "text/html")
                if event == "fail":
                    fields = {"error": "the function threw"}
                elif event == "void":
                    fields = {}
                else:
                    fields = {"result": VALUES[event.removeprefix("result_")]}
                if binary:
                    kind = 1 if "error" in fields else 3 if "result" in fields else 2
                    items = [3, {}, invocation_id, kind] + ([fields.get("error", fields.get("result"))] if kind != 2 else [])
                    payload = msgpack.packb(items, use_bin_type=True)
                    payload = varint(len(payload)) + payload if framed else payload
                    return self.answer(200, payload, "application/x-msgpack")
                payload = json.dumps({"type": 3, "invocationId": invocation_id, **fields}).encode()
                return self.answer(200, payload + b"\x1e" if framed else payload, "application/json")

            def answer(self, status, payload, content_type):
                self.send_response(status)
                if content_type:
                    self.send_header("Content-Type", content_type)
                if status != 204:
                    self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture(scope="module")
def functions_emulator():
    upstream = FunctionsLikeUpstream()
    rules = [
        {"urlTemplate": f"http://127.0.0.1:{upstream.port}/plain/{{event}}", "hubPattern": "plain"},
        {"urlTemplate": f"http://127.0.0.1:{upstream.port}/framed/{{event}}", "hubPattern": "framed"},
    ]
    emulator = Emulator(rules)
    yield emulator
    emulator.stop()
    upstream.server.shutdown()


def invoke(client, target):
    """The completion of one invocation: ('result', value) or ('error', text)."""
    outcome = queue.Queue()
    client.hub.send(target, [], on_invocation=lambda message: outcome.put(("result", message.result)))
    # signalrcore hands a result to on_invocation and an error to its error handler.
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        try:
            return outcome.get(timeout=0.05)
        except queue.Empty:
            pass
        try:
            return ("error", client.errors.get_nowait().error)
        except queue.Empty:
            pass
    raise AssertionError(f"no completion for {target}")


@pytest.mark.parametrize("hub", ["framed", "plain"])
@pytest.mark.parametrize("messagepack", [False, True], ids=["json", "messagepack"])
def test_results_framed_as_the_functions_extension_writes_them_reach_the_client(functions_emulator, hub, messagepack):
    user = f"fn-{hub}-{'mp' if messagepack else 'json'}"
    token = functions_emulator.client_token(hub, user)
    client = SignalRCoreClient(functions_emulator.client_url(hub), options={"access_token_factory": lambda: token},
                               messagepack=messagepack).start()
    try:
        for kind, value in VALUES.items():
            assert invoke(client, f"result_{kind}") == ("result", value), kind
        assert invoke(client, "void") == ("result", None)
        assert invoke(client, "empty") == ("result", None)
        assert invoke(client, "nocontent") == ("result", None)
        assert invoke(client, "fail") == ("error", "the function threw")
        kind, text = invoke(client, "garbage")
        assert kind == "error"
        assert "not a completion message" in text and "<html>not a completion</html>" in text and "text/html" in text
    finally:
        client.stop(functions_emulator, user, hub=hub)
