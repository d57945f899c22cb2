"""The serverless chat's app server, with Python's standard library only.

It receives its settings from apphost (or any environment):
  PORT                        the port to listen on
  HOST                        the address to listen on (default 127.0.0.1; the image apphost
                              publishes sets 0.0.0.0, so the container app's ingress reaches it)
  ConnectionStrings__signalr  Endpoint=...;AccessKey=...;Version=1.0;  (the SignalR resource), or
                              Endpoint=...;AuthType=azure[.msi][;ClientId=...];Version=1.0;  (keyless)
  CHAT_HUB                    the hub name (default: chat)
Keyless (AuthType=azure), as in Azure, with a managed identity (see entra.py):
  IDENTITY_ENDPOINT, IDENTITY_HEADER  where the app gets its Microsoft Entra ID tokens
  UPSTREAM_AUDIENCE           the audience of the service's upstream tokens (apphost.yaml's upstream auth)
  APPHOST_OPENID_CONFIGURATION  the issuer's metadata under apphost run (in Azure: from AZURE_TENANT_ID)

Routes:
  POST /api/negotiate?userId=U  (or header x-user-id)  -> {"url", "accessToken"} for SignalR clients
  POST /api/messages {"user", "text"}                  -> broadcasts newMessage through the REST API
  POST /api/upstream/{hub}/{category}/{event}          <- client events from SignalR (signature, or keyless
                                                          the service's bearer token, checked)
  GET  /health                                          -> 200 when the app can serve
  GET  /                                                -> the chat page (index.html)
"""
import base64
import hashlib
import hmac
import json
import os
import sys
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import entra
import tracing

HUB = os.environ.get("CHAT_HUB", "chat")
PAGE = Path(__file__).with_name("index.html")


def parse_connection_string(text: str) -> tuple[str, str | None, str | None]:
    """The endpoint, the access key (None when keyless) and the client id of a user-assigned identity."""
    fields = dict(part.split("=", 1) for part in text.split(";") if "=" in part)
    endpoint, key = fields.get("Endpoint", "").rstrip("/"), fields.get("AccessKey")
    keyless = fields.get("AuthType", "").lower().startswith("azure")
    if not endpoint or not (key or keyless):
        sys.exit("ConnectionStrings__signalr needs Endpoint and AccessKey, or AuthType=azure (a managed identity)")
    return endpoint, None if keyless else key, fields.get("ClientId")


ENDPOINT, ACCESS_KEY, CLIENT_ID = parse_connection_string(os.environ.get("ConnectionStrings__signalr", ""))
IDENTITY = entra.ManagedIdentity(CLIENT_ID) if ACCESS_KEY is None else None
UPSTREAM = entra.UpstreamVerifier(os.environ.get("UPSTREAM_AUDIENCE", "")) if ACCESS_KEY is None else None


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def token(audience: str, user: str | None = None, lifetime: int = 3600) -> str:
    """An HS256 JWT signed with the access key, as the Azure SDKs mint them."""
    claims = {"aud": audience, "iat": int(time.time()), "exp": int(time.time()) + lifetime}
    if user:
        claims["asrs.s.uid"] = user
    signing_input = b64url(json.dumps({"alg": "HS256", "typ": "JWT"}).encode()) + "." + b64url(json.dumps(claims).encode())
    signature = hmac.new(ACCESS_KEY.encode(), signing_input.encode(), hashlib.sha256).digest()
    return signing_input + "." + b64url(signature)


def broadcast(target: str, *arguments, traceparent: str | None = None) -> int:
    """POST /api/v1/hubs/{hub}: every client of the hub receives target(arguments). With
    `traceparent`, the service's send joins the caller's trace."""
    url = f"{ENDPOINT}/api/v1/hubs/{HUB}"
    headers = {"Authorization": f"Bearer {IDENTITY.token() if IDENTITY else token(url)}", "Content-Type": "application/json"}
    if traceparent:
        headers["traceparent"] = traceparent
    request = urllib.request.Request(url, method="POST", data=json.dumps({"target": target, "arguments": list(arguments)}).encode(),
                                     headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def signature_valid(connection_id: str, header: str) -> bool:
    """X-ASRS-Signature holds one or more sha256=<hex> (several while keys rotate)."""
    expected = "sha256=" + hmac.new(ACCESS_KEY.encode(), connection_id.encode(), hashlib.sha256).hexdigest()
    return any(hmac.compare_digest(expected, candidate.strip()) for candidate in header.split(","))


class Handler(BaseHTTPRequestHandler):
    server_version = "serverless-chat"

    def log_message(self, format, *args):
        if self.path == "/health":
            return  # apphost checks it every few seconds; the log would drown in it
        sys.stdout.write("%s %s\n" % (self.command, self.path))
        sys.stdout.flush()

    def reply(self, status: int, body: bytes = b"", content_type: str = "application/json"):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def body(self) -> bytes:
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def do_GET(self):
        path = urlparse(self.path).path
        if path == "/health":
            return self.reply(200, b"ok", "text/plain")
        if path in ("/", "/index.html"):
            return self.reply(200, PAGE.read_bytes(), "text/html; charset=utf-8")
        self.reply(404, b'{"error":"not found"}')

    def do_POST(self):
        url = urlparse(self.path)
        if url.path == "/api/negotiate":
            user = parse_qs(url.query).get("userId", [None])[0] or self.headers.get("x-user-id")
            self.body()
            client_url = f"{ENDPOINT}/client/?hub={HUB}"
            access_token = entra.client_token(ENDPOINT, HUB, user, IDENTITY.token()) if IDENTITY else token(client_url, user)
            return self.reply(200, json.dumps({"url": client_url, "accessToken": access_token}).encode())
        if url.path == "/api/messages":
            try:
                message = json.loads(self.body() or b"{}")
                text = str(message["text"])
            except (ValueError, KeyError):
                return self.reply(400, b'{"error":"send {\\"user\\": ..., \\"text\\": ...}"}')
            with tracing.Span("POST /api/messages", self.headers.get("traceparent")) as span:
                status = broadcast("newMessage", {"user": str(message.get("user") or "server"), "text": text}, traceparent=span.traceparent)
            return self.reply(202 if status == 202 else 502, json.dumps({"signalr": status}).encode())
        if url.path.startswith("/api/upstream/"):
            return self.upstream(url.path.split("/")[3:])
        self.reply(404, b'{"error":"not found"}')

    def upstream(self, parts: list[str]):
        body = self.body()
        if UPSTREAM:
            if not UPSTREAM.valid(self.headers.get("Authorization")):
                return self.reply(401, b'{"error":"bad or missing bearer token"}')
        elif not signature_valid(self.headers.get("X-ASRS-Connection-Id", ""), self.headers.get("X-ASRS-Signature", "")):
            return self.reply(401, b'{"error":"bad signature"}')
        category = parts[1] if len(parts) > 1 else ""
        event = parts[2] if len(parts) > 2 else ""
        if category == "messages" and event == "sendMessage":
            # The service's upstream span is this span's parent; the broadcast, its child.
            with tracing.Span(f"upstream {category}/{event}", self.headers.get("traceparent")) as span:
                invocation = json.loads(body.rstrip(b"\x1e"))
                text = str((invocation.get("arguments") or [""])[0])
                user = self.headers.get("X-ASRS-User-Id") or "anonymous"
                span.attributes.update({"chat.user": user, "signalr.hub": parts[0] if parts else HUB})
                broadcast("newMessage", {"user": user, "text": text}, traceparent=span.traceparent)
        # An empty 200 completes an invocation that waits for one.
        self.reply(200)


def main():
    port = int(os.environ.get("PORT", "8080"))
    server = ThreadingHTTPServer((os.environ.get("HOST", "127.0.0.1"), port), Handler)
    print(f"serverless chat on http://localhost:{port} (SignalR at {ENDPOINT}, hub '{HUB}')", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
