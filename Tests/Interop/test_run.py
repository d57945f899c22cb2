"""`apphost run` end to end: the top-level apphost.yaml, and an application `apphost init` just
made, bring up the serverless chat, real clients chat through it, and no process survives
apphost — after Ctrl-C, SIGTERM or SIGKILL."""
import json
import signal
import textwrap
import urllib.error
import urllib.request
import uuid

import pytest

from apphost_run import AppHostRun, init_application, living_processes_with, wait_until
from conftest import REPOSITORY
from test_clients import SignalRCoreClient


@pytest.mark.parametrize("source", ["top-level", "init"])
def test_the_sample_chat_runs_end_to_end_and_ctrl_c_stops_everything(tmp_path, source):
    folder = init_application(tmp_path / "chat") if source == "init" else REPOSITORY
    marker = uuid.uuid4().hex
    run = AppHostRun(folder, environment={"APPHOST_TEST_MARKER": marker})
    clients = []
    try:
        app = run.wait_for_app()
        started = living_processes_with("APPHOST_TEST_MARKER", marker)
        assert len(started) >= 2, "the emulator and the app should be running"

        ann = SignalRCoreClient(f"{app}/api?userId=ann").start()
        clients.append(ann)
        ben = SignalRCoreClient(f"{app}/api?userId=ben", messagepack=True).start()
        clients.append(ben)

        # A client message goes to the app through the upstream and comes back as a broadcast.
        ann.hub.send("sendMessage", ["hello from ann"])
        assert ann.next() == [{"user": "ann", "text": "hello from ann"}]
        assert ben.next() == [{"user": "ann", "text": "hello from ann"}]

        # A message posted to the app reaches both clients through the REST API.
        request = urllib.request.Request(f"{app}/api/messages", method="POST", headers={"Content-Type": "application/json"},
                                         data=json.dumps({"user": "server", "text": "hi all"}).encode())
        with urllib.request.urlopen(request, timeout=10) as response:
            assert response.status == 202
        assert ann.next() == [{"user": "server", "text": "hi all"}]
        assert ben.next() == [{"user": "server", "text": "hi all"}]

        # Keyless, the upstream takes only the service's bearer token; with a key, its signature.
        forged = urllib.request.Request(f"{app}/api/upstream/chat/messages/sendMessage", method="POST", data=b"{}",
                                        headers={"X-ASRS-Connection-Id": "c", "X-ASRS-Signature": "sha256=00",
                                                 "Authorization": "Bearer a.b.c"})
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(forged, timeout=10)
        assert refused.value.code == 401

        run.signal(signal.SIGINT)
        run.wait_for_clean_exit()
        assert wait_until(lambda: not living_processes_with("APPHOST_TEST_MARKER", marker), timeout=2.0)
        assert "apphost | everything stopped" in run.lines
        # The top-level chat uses an access key, which never reaches the screen; the template's is
        # keyless (issue 11). Nor does .apphost/ reach git: it ignores itself.
        if source == "init":
            assert any("Endpoint=http://localhost:" in line and ";AuthType=azure;" in line for line in run.lines)
        else:
            assert any("AccessKey=***" in line for line in run.lines)
        assert (folder / ".apphost" / ".gitignore").read_text().endswith("\n*\n")
        # The emulator closed the clients when it stopped.
        assert all(client.closed.wait(10) for client in clients)
    finally:
        for client in clients:
            client.hub.stop()
        run.kill()


SPAWNER = textwrap.dedent("""\
    name: orphans
    resources:
      signalr:
        type: signalr
        mode: Serverless
        shutdownTimeout: 1s
      spawner:
        type: project
        command: ["/bin/sh", "-c", "sleep 1000 & sleep 1001 & (sleep 1002 &) ; echo spawned; wait"]
        references: [signalr]
        restart: never
        shutdownTimeout: 1s
      stubborn:
        type: project
        command: ["/bin/sh", "-c", "trap '' TERM; sleep 1003 & echo stubborn; wait"]
        shutdownTimeout: 1s
      daemons:
        type: project
        # Three ways out of the group: setsid under a living parent; setsid and double fork (the
        # parent exits at once), still writing to apphost's pipe; and a double-forked daemon that
        # ignores SIGTERM and writes nowhere, so only a sweep that saw its parent tells whose it is.
        command:
          - /bin/sh
          - -c
          - >-
            setsid sleep 1004 &
            setsid sh -c 'sleep 1005 &';
            setsid sh -c "trap '' TERM; sleep 1006 & exit" >/dev/null 2>&1;
            echo daemons; wait
        shutdownTimeout: 1s
    """)


@pytest.mark.parametrize("signal_number", [signal.SIGINT, signal.SIGTERM, signal.SIGKILL], ids=["SIGINT", "SIGTERM", "SIGKILL"])
def test_no_process_outlives_apphost(tmp_path, signal_number):
    (tmp_path / "apphost.yaml").write_text(SPAWNER)
    marker = uuid.uuid4().hex
    run = AppHostRun(tmp_path, environment={"APPHOST_TEST_MARKER": marker})
    try:
        run.wait_for_line(lambda line: " is up in " in line)
        # The emulator, three shells, seven sleeps (one of them orphaned inside its group at once,
        # three in groups of their own, two of those orphaned too).
        assert wait_until(lambda: len(living_processes_with("APPHOST_TEST_MARKER", marker)) >= 11, timeout=10), \
            living_processes_with("APPHOST_TEST_MARKER", marker)
        # Each escape is announced once apphost has put its group under the orphan guard.
        announcement = "in a process group of its own; apphost will stop it at shutdown"
        while sum(announcement in line for line in run.lines) < 3:
            run.wait_for_line(lambda line: announcement in line)
        run.signal(signal_number)
        code = run.wait()
        if signal_number == signal.SIGKILL:
            assert code == -signal.SIGKILL
        else:
            assert code == 0, f"apphost exited with {code}; its output:\n" + "\n".join(run.lines)
            assert any(line.endswith("| stubborn did not stop within 1 s of SIGTERM; sending SIGKILL") for line in run.lines)
            # Whether a sweep saw the third daemon's parent or not, it is gone: killed with the
            # daemons project, or stopped with the stragglers at the end.
        gone = wait_until(lambda: not living_processes_with("APPHOST_TEST_MARKER", marker), timeout=2.0)
        assert gone, f"still alive 2 s after {signal_number.name}: {living_processes_with('APPHOST_TEST_MARKER', marker)}"
    finally:
        run.kill()


def post(url: str, method: str = "POST", body: dict | None = None) -> int:
    request = urllib.request.Request(url, method=method, headers={"Content-Type": "application/json"},
                                     data=json.dumps(body).encode() if body is not None else None)
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status


def test_the_notifications_template_runs_on_node_and_reaches_users_and_groups(tmp_path):
    folder = init_application(tmp_path / "notifications", "serverless-notifications")
    marker = uuid.uuid4().hex
    run = AppHostRun(folder, environment={"APPHOST_TEST_MARKER": marker})
    clients = []
    try:
        app = run.wait_for_app()
        ann = SignalRCoreClient(f"{app}/api?userId=ann", methods=("notify",)).start()
        clients.append(ann)
        ben = SignalRCoreClient(f"{app}/api?userId=ben", messagepack=True, methods=("notify",)).start()
        clients.append(ben)
        # The app hears both connect through the upstream (keyless: the service's bearer token checked).
        for user in ("ann", "ben"):
            run.wait_for_line(lambda line: f"| {user} connected (" in line, seen=True)
        forged = urllib.request.Request(f"{app}/api/upstream/notifications/connections/connected", method="POST",
                                        headers={"X-ASRS-Connection-Id": "c", "Authorization": "Bearer a.b.c"}, data=b"{}")
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(forged, timeout=10)
        assert refused.value.code == 401

        assert post(f"{app}/api/groups/ops/users/ben", "PUT") == 200
        assert post(f"{app}/api/notify", body={"text": "to ops", "group": "ops"}) == 202
        assert post(f"{app}/api/notify", body={"text": "to ann", "user": "ann"}) == 202
        assert post(f"{app}/api/notify", body={"text": "to all"}) == 202
        # Each client receives in order, so what comes first proves what it did not receive.
        assert ben.next("notify") == [{"text": "to ops", "to": "group ops"}]
        assert ben.next("notify") == [{"text": "to all", "to": "everyone"}]
        assert ann.next("notify") == [{"text": "to ann", "to": "user ann"}]
        assert ann.next("notify") == [{"text": "to all", "to": "everyone"}]
        # Leaving the group: the next group message reaches nobody, the next broadcast both.
        assert post(f"{app}/api/groups/ops/users/ben", "DELETE") == 200
        assert post(f"{app}/api/notify", body={"text": "to ops again", "group": "ops"}) == 202
        assert post(f"{app}/api/notify", body={"text": "to all again"}) == 202
        assert ben.next("notify") == [{"text": "to all again", "to": "everyone"}]
        assert ann.next("notify") == [{"text": "to all again", "to": "everyone"}]
        # A caller's traceparent goes on through the app to the service's send and fan-out.
        from test_telemetry import dashboard
        get = dashboard(run)
        traced = urllib.request.Request(f"{app}/api/notify", method="POST", data=json.dumps({"text": "traced", "user": "ann"}).encode(),
                                        headers={"Content-Type": "application/json",
                                                 "traceparent": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"})
        with urllib.request.urlopen(traced, timeout=10) as response:
            assert response.status == 202
        assert ann.next("notify") == [{"text": "traced", "to": "user ann"}]
        assert wait_until(lambda: len(get("/api/telemetry/traces/0af7651916cd43dd8448eb211c80319c")) == 2, timeout=15)
        rest, send = get("/api/telemetry/traces/0af7651916cd43dd8448eb211c80319c")
        assert rest["name"].startswith("POST /api/v1/hubs/") and rest["parentSpanId"] == "b7ad6b7169203331"
        assert send["name"] == "send notify" and send["parentSpanId"] == rest["spanId"] and send["attributes"]["signalr.recipients"] == 1

        run.signal(signal.SIGINT)
        run.wait_for_clean_exit()
        assert wait_until(lambda: not living_processes_with("APPHOST_TEST_MARKER", marker), timeout=2.0)
        assert all(client.closed.wait(10) for client in clients)
    finally:
        for client in clients:
            client.hub.stop()
        run.kill()
