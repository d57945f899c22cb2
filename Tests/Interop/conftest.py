"""Fixtures for the interop tests: the real `apphost emulator` binary, an app server that
answers negotiate with a redirect (as the Management SDK does), and an upstream server that
records what the emulator posts. Everything listens on 127.0.0.1 only."""
import base64
import hashlib
import hmac
import json
import os
import queue
import select
import signal
import socket
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import jwt
import pytest

ACCESS_KEY = "interop-test-key-0123456789abcdefghijklmnopqrstuvwxyz-0123456789ABCDEF"
INTROSPECTION_TOKEN = "interop-introspection-token"
REPOSITORY = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def apphost_binary() -> str:
    return os.environ.get("APPHOST_BINARY") or str(REPOSITORY / ".build" / "debug" / "apphost")


def mint(audience: str, user: str | None = None, lifetime: int = 3600, key: str = ACCESS_KEY, **extra) -> str:
    claims = {"aud": audience, "exp": int(time.time()) + lifetime, "iat": int(time.time())}
    if user:
        claims["asrs.s.uid"] = user
    claims.update(extra)
    return jwt.encode(claims, key, algorithm="HS256")


class Upstream:
    """Records upstream requests; answers invocations of `echo` with a completion of their
    arguments, `fail` with 500, and everything else with an empty 200."""

    def __init__(self):
        self.requests: "queue.Queue[dict]" = queue.Queue()
        upstream = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                connection_id = self.headers.get("X-ASRS-Connection-Id", "")
                expected = "sha256=" + hmac.new(ACCESS_KEY.encode(), connection_id.encode(), hashlib.sha256).hexdigest()
                record = {"path": self.path, "headers": {k.lower(): v for k, v in self.headers.items()}, "body": body,
                          "signature_ok": self.headers.get("X-ASRS-Signature") == expected}
                upstream.requests.put(record)
                event = self.headers.get("X-ASRS-Event")
                if event == "connect" and self.headers.get("X-ASRS-User-Id") == "mallory":
                    self.send_response(403)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                if not record["signature_ok"]:
                    self.send_response(401)
                    self.end_headers()
                    return
                if event == "echo" and self.headers.get("Content-Type", "").startswith("application/json"):
                    message = json.loads(body.rstrip(b"\x1e"))
                    reply = json.dumps({"type": 3, "invocationId": message.get("invocationId"), "result": message["arguments"]}).encode()
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(reply)))
                    self.end_headers()
                    self.wfile.write(reply)
                    return
                self.send_response(500 if event == "fail" else 200)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def wait_for(self, predicate, timeout=10.0) -> dict:
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError("no matching upstream request")
            record = self.requests.get(timeout=remaining)
            if predicate(record):
                return record

    def close(self):
        self.server.shutdown()


class Emulator:
    """`apphost emulator` running in a child process."""

    def __init__(self, upstream_rules: list[dict] | None = None, extra_args: list[str] | None = None):
        self.port = free_port()
        args = [apphost_binary(), "emulator", "--port", str(self.port), "--host", "127.0.0.1", "--access-key", ACCESS_KEY,
                "--introspection-token", INTROSPECTION_TOKEN]
        self.config_path = None
        if upstream_rules:
            self.config_path = Path(os.environ.get("TMPDIR", "/tmp")) / f"apphost-upstream-{self.port}.json"
            self.config_path.write_text(json.dumps(upstream_rules))
            args += ["--upstream-config", str(self.config_path)]
        self.process = subprocess.Popen(args + (extra_args or []), stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
        # The connection string on stdout is the readiness signal: it is printed once listening.
        ready, _, _ = select.select([self.process.stdout], [], [], 30)
        assert ready, "the emulator did not start within 30 s"
        self.connection_string = self.process.stdout.readline().decode().strip()
        assert self.connection_string.startswith(f"Endpoint=http://localhost:{self.port};AccessKey="), self.connection_string
        self.endpoint = f"http://localhost:{self.port}"
        # Both streams are read as they come, so a busy emulator never blocks on a full pipe.
        self.stdout_lines: list[str] = []
        self.stderr_lines: list[str] = []
        self.readers = [threading.Thread(target=self._collect, args=(stream, lines), daemon=True)
                        for stream, lines in ((self.process.stdout, self.stdout_lines), (self.process.stderr, self.stderr_lines))]
        for reader in self.readers:
            reader.start()

    @staticmethod
    def _collect(stream, lines: list):
        for line in iter(stream.readline, b""):
            lines.append(line.decode(errors="replace").rstrip("\n"))

    def output(self) -> tuple[list[str], list[str]]:
        """What the emulator wrote to stdout (after the connection string) and to stderr, once it has exited."""
        for reader in self.readers:
            reader.join(timeout=10)
        return self.stdout_lines, self.stderr_lines

    def client_url(self, hub: str) -> str:
        return f"{self.endpoint}/client/?hub={hub}"

    def client_token(self, hub: str, user: str | None = None, **extra) -> str:
        return mint(self.client_url(hub), user, **extra)

    def rest(self, method: str, path: str, body=None, token: str | None = None, headers=None):
        """Calls the REST API with a token for exactly this path; returns (status, body)."""
        import urllib.error
        import urllib.request
        url = f"http://127.0.0.1:{self.port}{path}"
        audience = f"{self.endpoint}{path.split('?')[0]}"
        request = urllib.request.Request(url, method=method, data=None if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode()))
        request.add_header("Authorization", "Bearer " + (token or mint(audience)))
        request.add_header("Content-Type", "application/json")
        for name, value in (headers or {}).items():
            request.add_header(name, value)
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.read()

    def state(self) -> dict:
        import urllib.request
        with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/_apphost/state?token={INTROSPECTION_TOKEN}", timeout=10) as response:
            return json.loads(response.read())

    def connections(self, user: str | None = None) -> list[dict]:
        return [c for hub in self.state()["hubs"] for c in hub["connections"] if user is None or c["userId"] == user]

    def wait_for_connection(self, user: str, timeout: float = 10.0, protocol: str | None = None) -> dict:
        """Polls the state view until the user's connection finished its handshake."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = [c for c in self.connections(user) if c["protocol"] is not None and (protocol is None or c["protocol"] == protocol)]
            if found:
                return found[0]
            time.sleep(0.05)
        raise AssertionError(f"no connection of user {user}")

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                raise AssertionError("the emulator did not stop within 15 s of SIGINT")
        assert self.process.returncode == 0, "\n".join(self.output()[1])
        if self.config_path:
            self.config_path.unlink(missing_ok=True)


class AppServer:
    """An app server whose `POST /negotiate` redirects clients to the emulator, with a token
    minted for the user named in the `userId` query parameter."""

    def __init__(self, emulator: Emulator, hub: str):
        app = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                from urllib.parse import parse_qs, urlparse
                query = parse_qs(urlparse(self.path).query)
                user = query.get("userId", [None])[0]
                body = json.dumps({"url": emulator.client_url(hub), "accessToken": emulator.client_token(hub, user)}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def hub_url(self, user: str) -> str:
        # Clients append /negotiate to the path and keep the query.
        return f"{self.url}/?userId={user}"

    def close(self):
        self.server.shutdown()


@pytest.fixture(scope="module")
def upstream():
    server = Upstream()
    yield server
    server.close()


@pytest.fixture(scope="module")
def emulator(upstream):
    rules = [
        {"urlTemplate": f"http://127.0.0.1:{upstream.port}/upstream/{{hub}}/{{category}}/{{event}}", "hubPattern": "chat,upstreamhub"},
    ]
    instance = Emulator(rules)
    yield instance
    instance.stop()


@pytest.fixture(scope="module")
def app_server(emulator):
    server = AppServer(emulator, "chat")
    yield server
    server.close()
