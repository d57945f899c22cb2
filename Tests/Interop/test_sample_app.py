"""The serverless chat of templates/serverless-chat against the emulator, with real clients:
what `apphost run` will start for the top-level apphost.yaml."""
import json
import os
import select
import signal
import subprocess
import sys
import urllib.request

import pytest

from conftest import REPOSITORY, Emulator, free_port
from test_clients import SignalRCoreClient

APP = REPOSITORY / "templates" / "serverless-chat" / "api" / "app.py"


@pytest.fixture(scope="module")
def chat():
    app_port = free_port()
    emulator = Emulator([{"urlTemplate": f"http://127.0.0.1:{app_port}/api/upstream/{{hub}}/{{category}}/{{event}}"}])
    environment = dict(os.environ, PORT=str(app_port), ConnectionStrings__signalr=emulator.connection_string)
    app = subprocess.Popen([sys.executable, str(APP)], env=environment, stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
    ready, _, _ = select.select([app.stdout], [], [], 30)
    assert ready and app.stdout.readline().startswith(b"serverless chat on"), "the sample app did not start"
    yield emulator, f"http://127.0.0.1:{app_port}"
    app.send_signal(signal.SIGINT)
    app.wait(timeout=10)
    emulator.stop()


def test_clients_chat_through_the_upstream_and_the_rest_api(chat):
    emulator, app = chat
    ann = SignalRCoreClient(f"{app}/api?userId=ann").start()
    ben = SignalRCoreClient(f"{app}/api?userId=ben", messagepack=True).start()
    try:
        emulator.wait_for_connection("ann")
        emulator.wait_for_connection("ben")
        ann.hub.send("sendMessage", ["hello from ann"])
        assert ann.next() == [{"user": "ann", "text": "hello from ann"}]
        assert ben.next() == [{"user": "ann", "text": "hello from ann"}]

        request = urllib.request.Request(f"{app}/api/messages", method="POST", data=json.dumps({"user": "server", "text": "hi all"}).encode(),
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=10) as response:
            assert response.status == 202
        assert ann.next() == [{"user": "server", "text": "hi all"}]
        assert ben.next() == [{"user": "server", "text": "hi all"}]
    finally:
        ann.stop(emulator, "ann")
        ben.stop(emulator, "ben")


def test_the_app_serves_health_and_the_page(chat):
    _, app = chat
    with urllib.request.urlopen(f"{app}/health", timeout=10) as response:
        assert response.status == 200
    with urllib.request.urlopen(f"{app}/", timeout=10) as response:
        page = response.read().decode()
    assert "microsoft-signalr" in page and "sendMessage" in page


def test_the_upstream_endpoint_refuses_a_forged_signature(chat):
    _, app = chat
    request = urllib.request.Request(f"{app}/api/upstream/chat/messages/sendMessage", method="POST", data=b'{"type":1,"target":"sendMessage","arguments":["x"]}',
                                     headers={"X-ASRS-Connection-Id": "abc", "X-ASRS-Signature": "sha256=" + "0" * 64})
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=10)
    assert refused.value.code == 401


def test_browsers_may_negotiate_across_origins(chat):
    emulator, app = chat
    request = urllib.request.Request(f"http://127.0.0.1:{emulator.port}/client/negotiate?hub=chat", method="OPTIONS",
                                     headers={"Origin": app, "Access-Control-Request-Method": "POST",
                                              "Access-Control-Request-Headers": "authorization,x-requested-with"})
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.headers["Access-Control-Allow-Origin"] == app
        assert "authorization" in response.headers["Access-Control-Allow-Headers"].lower()
