"""The templates' apps, deployed, accept the upstream calls Azure SignalR Service makes with a
Microsoft Entra ID token: RS256, signed by a key of the tenant's metadata (apphost's own token
service signs ES256, which test_keyless covers). The metadata is served here on loopback, with
an RSA key made for the test and tokens signed by PyJWT, as Entra ID's v1 endpoint serves them."""
import base64
import json
import os
import subprocess
import threading
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from conftest import REPOSITORY, free_port

TENANT = "72f988bf-0000-4000-8000-000000000001"
ISSUER = f"https://sts.windows.net/{TENANT}/"


def b64(number: int) -> str:
    data = number.to_bytes((number.bit_length() + 7) // 8, "big")
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class Tenant:
    """A tenant's OpenID metadata and signing keys on 127.0.0.1, with one RSA key of 2048 bits."""

    def __init__(self):
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        numbers = self.key.public_key().public_numbers()
        self.jwks = {"keys": [{"kty": "RSA", "use": "sig", "kid": "entra-key-1", "n": b64(numbers.n), "e": b64(numbers.e)}]}
        tenant = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                if self.path.endswith("/.well-known/openid-configuration"):
                    body = {"issuer": ISSUER, "jwks_uri": f"{tenant.base}/{TENANT}/discovery/keys"}
                elif self.path.endswith("/discovery/keys"):
                    body = tenant.jwks
                else:
                    self.send_response(404)
                    self.end_headers()
                    return
                data = json.dumps(body).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def metadata(self) -> str:
        return f"{self.base}/{TENANT}/.well-known/openid-configuration"

    def token(self, audience: str, key=None, **overrides) -> str:
        claims = {"aud": audience, "iss": ISSUER, "iat": int(time.time()), "exp": int(time.time()) + 3600,
                  "tid": TENANT, "oid": "00000000-0000-4000-8000-00000000000a"}
        claims.update(overrides)
        return jwt.encode(claims, key or self.key, algorithm="RS256", headers={"kid": "entra-key-1"})


APPS = {
    "serverless-chat": (["python3", "app.py"], "api://chat-api", "/api/upstream/chat/connections/connected"),
    "serverless-notifications": (["node", "app.js"], "api://notifications-api", "/api/upstream/notifications/connections/connected"),
}


@pytest.fixture(scope="module")
def tenant():
    tenant = Tenant()
    yield tenant
    tenant.server.shutdown()


@pytest.mark.parametrize("template", sorted(APPS))
def test_the_deployed_app_accepts_entra_rs256_upstream_tokens_and_refuses_others(template, tenant):
    command, audience, path = APPS[template]
    port = free_port()
    # The variables the container app sets (apphost env --publish), on loopback: the service's
    # endpoint is a closed port, never called for a connected event.
    environment = {
        "PATH": os.environ["PATH"], "PYTHONDONTWRITEBYTECODE": "1", "HOST": "127.0.0.1", "PORT": str(port),
        "ConnectionStrings__signalr": "Endpoint=https://127.0.0.1:9;AuthType=azure.msi;ClientId=00000000-0000-4000-8000-000000000001;Version=1.0;",
        "AZURE_CLIENT_ID": "00000000-0000-4000-8000-000000000001", "AZURE_TENANT_ID": TENANT,
        "UPSTREAM_AUDIENCE": audience, "APPHOST_OPENID_CONFIGURATION": tenant.metadata,
    }
    app = subprocess.Popen(command, cwd=REPOSITORY / "templates" / template / "api", env=environment,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        # The app prints its address once it listens.
        assert "on http://localhost" in app.stdout.readline()

        def call(authorization: str) -> int:
            request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", method="POST", data=b"{}",
                                             headers={"Authorization": authorization, "X-ASRS-Connection-Id": "c1",
                                                      "X-ASRS-User-Id": "ann"})
            try:
                with urllib.request.urlopen(request, timeout=30) as response:
                    return response.status
            except urllib.error.HTTPError as error:
                return error.code

        assert call("Bearer " + tenant.token(audience)) == 200
        other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        assert call("Bearer " + tenant.token(audience, key=other_key)) == 401, "signed by a key not in the metadata"
        assert call("Bearer " + tenant.token("api://someone-else")) == 401, "another audience"
        assert call("Bearer " + tenant.token(audience, iss="https://sts.windows.net/another-tenant/")) == 401, "another issuer"
        assert call("Bearer " + tenant.token(audience, exp=int(time.time()) - 60)) == 401, "expired"
        unsigned = jwt.encode({"aud": audience, "iss": ISSUER, "exp": int(time.time()) + 60}, None, algorithm="none")
        assert call("Bearer " + unsigned) == 401, "alg none"
        hs256 = jwt.encode({"aud": audience, "iss": ISSUER, "exp": int(time.time()) + 60}, "k" * 32, algorithm="HS256",
                           headers={"kid": "entra-key-1"})
        assert call("Bearer " + hs256) == 401, "HS256 with the kid of an RSA key"
    finally:
        app.terminate()
        app.wait(timeout=10)
