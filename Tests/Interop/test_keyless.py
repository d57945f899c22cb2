"""Keyless sign-in under `apphost run` (issue 11): projects get a local managed identity that the
real azure-identity package (PyPI) signs in with, unchanged; the emulator accepts exactly the
issuer of the run, enforces Azure's SignalR roles on the REST API, and refuses access keys on a
resource with `authType: azure`, as `disableLocalAuth` does in Azure."""
import base64
import json
import signal
import sys
import textwrap
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from apphost_run import AppHostRun, living_processes_with, wait_until
from test_clients import SignalRCoreClient

API = "api-version=2024-12-01"

# The project: signs in with azure-identity as any Azure app does, and leaves its tokens and
# environment where the test reads them (the test then calls the emulator itself).
PROBE = textwrap.dedent("""
    import json, os, sys, time
    from azure.identity import DefaultAzureCredential, ManagedIdentityCredential
    scope = "https://signalr.azure.com/.default"
    client_id = os.environ.get("AZURE_CLIENT_ID")
    found = {
        "default": DefaultAzureCredential().get_token(scope).token,
        "managed": ManagedIdentityCredential(client_id=client_id).get_token(scope).token,
        "env": {name: os.environ.get(name) for name in ("AZURE_CLIENT_ID", "IDENTITY_ENDPOINT", "IDENTITY_HEADER", "ConnectionStrings__signalr")},
    }
    with open(sys.argv[1] + ".tmp", "w") as out:
        json.dump(found, out)
    os.rename(sys.argv[1] + ".tmp", sys.argv[1])
    print("signed in", flush=True)
    time.sleep(3600)
""")


def write_application(folder: Path, auth_type: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "probe.py").write_text(PROBE)
    python = sys.executable
    (folder / "apphost.yaml").write_text(textwrap.dedent(f"""
        name: keyless
        resources:
          signalr:
            type: signalr
            mode: Serverless
            authType: {auth_type}
          owner:
            type: project
            command: {python} probe.py owner.json
            references: [signalr]
          reader:
            type: project
            command: {python} probe.py reader.json
            references:
              - resource: signalr
                roles: [SignalR REST API Reader]
        """))


def wait_for_file(path: Path, run: AppHostRun) -> dict:
    run.wait_for_line(lambda line: "signed in" in line and line.startswith(path.stem), timeout=60, seen=True)
    return json.loads(path.read_text())


def call(method: str, url: str, token: str | None = None, body=None, headers=None):
    request = urllib.request.Request(url, method=method, data=None if body is None else json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json", **(headers or {}),
                                              **({"Authorization": f"Bearer {token}"} if token else {})})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


@pytest.fixture(params=["azure", "azure.msi"])
def keyless(request, tmp_path):
    folder = tmp_path / "app"
    write_application(folder, request.param)
    marker = uuid.uuid4().hex
    run = AppHostRun(folder, environment={"APPHOST_TEST_MARKER": marker})
    try:
        owner = wait_for_file(folder / "owner.json", run)
        reader = wait_for_file(folder / "reader.json", run)
        endpoint = owner["env"]["ConnectionStrings__signalr"].split("Endpoint=", 1)[1].split(";", 1)[0]
        yield request.param, folder, run, endpoint, owner, reader
        run.signal(signal.SIGINT)
        run.wait_for_clean_exit()
        assert wait_until(lambda: not living_processes_with("APPHOST_TEST_MARKER", marker), timeout=2.0)
    finally:
        run.kill()


def test_azure_identity_signs_in_inside_projects_with_the_claims_of_their_identity(keyless):
    auth_type, folder, run, endpoint, owner, reader = keyless
    for project, found in (("owner", owner), ("reader", reader)):
        client_id, object_id = (folder / ".apphost" / "identities" / project).read_text().split()
        connection = found["env"]["ConnectionStrings__signalr"]
        if auth_type == "azure":
            assert connection == f"Endpoint={endpoint};AuthType=azure;Version=1.0;"
            assert found["env"]["AZURE_CLIENT_ID"] is None
        else:
            assert connection == f"Endpoint={endpoint};AuthType=azure.msi;ClientId={client_id};Version=1.0;"
            assert found["env"]["AZURE_CLIENT_ID"] == client_id
        for token in (found["default"], found["managed"]):
            header = jwt.get_unverified_header(token)
            claims = jwt.decode(token, options={"verify_signature": False})
            assert header["alg"] == "ES256"
            assert claims["aud"] == "https://signalr.azure.com"
            assert claims["oid"] == object_id and claims["appid"] == client_id
            assert claims["iss"] == f"https://sts.windows.net/{claims['tid']}/"
            assert claims["exp"] > time.time() + 600
    # The header secret is masked wherever apphost prints.
    assert not any(owner["env"]["IDENTITY_HEADER"] in line for line in run.lines)


def test_each_role_is_allowed_and_refused_as_azure_would(keyless):
    _, _, _, endpoint, owner, reader = keyless
    owner_token, reader_token = owner["managed"], reader["managed"]
    # REST API Owner sends; REST API Reader may only read.
    status, _ = call("POST", f"{endpoint}/api/hubs/chat/:send?{API}", owner_token, {"target": "t", "arguments": []})
    assert status == 202
    status, body = call("POST", f"{endpoint}/api/hubs/chat/:send?{API}", reader_token, {"target": "t", "arguments": []})
    assert status == 403
    refusal = json.loads(body)
    assert refusal["action"] == "Microsoft.SignalRService/SignalR/hub/send/action"
    assert refusal["role"] == "SignalR REST API Owner"
    assert "SignalRRestApiOwner" in refusal["message"]
    status, _ = call("HEAD", f"{endpoint}/api/hubs/chat/connections/nobody?{API}", reader_token)
    assert status == 404  # allowed (clientConnection/read), and there is no such connection
    status, _ = call("HEAD", f"{endpoint}/api/hubs/chat/groups/nobody?{API}", reader_token)
    assert status == 404
    status, body = call("PUT", f"{endpoint}/api/hubs/chat/groups/g/connections/c?{API}", reader_token)
    assert status == 403 and json.loads(body)["action"] == "Microsoft.SignalRService/SignalR/group/write"
    # The v1 API is guarded the same way.
    status, body = call("POST", f"{endpoint}/api/v1/hubs/chat", reader_token, {"target": "t", "arguments": []})
    assert status == 403 and json.loads(body)["action"] == "Microsoft.SignalRService/SignalR/hub/send/action"
    # App Server (held by owner by default) grants temporary keys; REST API Reader does not.
    status, body = call("GET", f"{endpoint}/api/auth/accessKey?{API}", owner_token)
    assert status == 200 and json.loads(body)["KeyId"]
    status, body = call("GET", f"{endpoint}/api/auth/accessKey?{API}", reader_token)
    assert status == 403 and json.loads(body)["role"] == "SignalR App Server"


def test_a_client_token_from_generate_token_connects_and_receives_a_broadcast_sent_with_an_entra_token(keyless):
    _, _, _, endpoint, owner, reader = keyless
    status, body = call("POST", f"{endpoint}/api/hubs/chat/:generateToken?userId=ann&minutesToExpire=5&{API}", owner["managed"])
    assert status == 200
    token = json.loads(body)["token"]
    status, _ = call("POST", f"{endpoint}/api/hubs/chat/:generateToken?userId=ann&{API}", reader["managed"])
    assert status == 403
    client = SignalRCoreClient(f"{endpoint}/client/?hub=chat", options={"access_token_factory": lambda: token}).start()
    try:
        status, _ = call("POST", f"{endpoint}/api/hubs/chat/users/ann/:send?{API}", owner["default"],
                         {"target": "newMessage", "arguments": ["hello, keyless"]})
        assert status == 202
        assert client.next() == ["hello, keyless"]
    finally:
        client.hub.stop()


def test_a_client_token_signed_with_a_temporary_key_connects_and_one_signed_with_the_access_key_does_not(keyless):
    _, folder, _, endpoint, owner, _ = keyless
    status, body = call("GET", f"{endpoint}/api/auth/accessKey?{API}", owner["managed"])
    assert status == 200
    temporary = json.loads(body)
    audience = f"{endpoint}/client/?hub=chat"
    token = jwt.encode({"aud": audience, "exp": int(time.time()) + 300, "nameid": "ben"}, temporary["AccessKey"],
                       algorithm="HS256", headers={"kid": temporary["KeyId"]})
    client = SignalRCoreClient(audience, options={"access_token_factory": lambda: token}).start()
    client.hub.stop()
    key = (folder / ".apphost" / "keys" / "signalr.key").read_text().strip()
    with_key = jwt.encode({"aud": audience, "exp": int(time.time()) + 300}, key, algorithm="HS256")
    status, body = call("POST", f"{endpoint}/client/negotiate?hub=chat&negotiateVersion=1", with_key)
    assert status == 401 and b"local authentication is disabled" in body


def test_access_keys_and_forged_tokens_are_refused_with_a_reason(keyless):
    _, folder, _, endpoint, owner, _ = keyless
    path = f"/api/hubs/chat/:send"
    key = (folder / ".apphost" / "keys" / "signalr.key").read_text().strip()
    with_key = jwt.encode({"aud": f"{endpoint}{path}", "exp": int(time.time()) + 300}, key, algorithm="HS256")
    status, body = call("POST", f"{endpoint}{path}?{API}", with_key, {"target": "t", "arguments": []})
    assert status == 401 and b"local authentication is disabled" in body

    claims = jwt.decode(owner["managed"], options={"verify_signature": False})
    other_key = ec.generate_private_key(ec.SECP256R1())
    forged = jwt.encode(claims, other_key, algorithm="ES256")
    expired = jwt.encode({**claims, "exp": int(time.time()) - 3600}, other_key, algorithm="ES256")
    unsigned = jwt.encode(claims, None, algorithm="none")
    header, payload, _ = owner["managed"].split(".")
    other_audience = header + "." + base64.urlsafe_b64encode(json.dumps({**claims, "aud": "https://vault.azure.net"}).encode()).decode().rstrip("=") + ".AAAA"
    for token, reason in ((forged, b"signature"), (expired, b"signature"), (unsigned, b"HS256"), (other_audience, b"signature")):
        status, body = call("POST", f"{endpoint}{path}?{API}", token, {"target": "t", "arguments": []})
        assert status == 401, body
        assert reason in body, body


def test_an_app_server_signed_in_with_entra_gets_a_signing_key_over_its_server_connection(keyless):
    # ServiceConnectionBase.cs: an app server with a Microsoft Entra identity sends
    # AccessKeyRequest [28, token, kid, ext] over its server connection; the service answers
    # AccessKeyResponse [29, kid, accessKey, errorType, errorMessage, ext] (ServiceProtocol.cs).
    from types import SimpleNamespace

    from test_app_server import ServerConnection
    _, _, _, endpoint, owner, reader = keyless
    emulator = SimpleNamespace(port=int(endpoint.rsplit(":", 1)[1]))
    status, body = call("GET", f"{endpoint}/api/auth/accessKey?{API}", owner["managed"])
    temporary = json.loads(body)

    def server_token(key, kid):
        audience = "http://localhost/server/?hub=chat"  # the endpoint without its port
        return jwt.encode({"aud": audience, "exp": int(time.time()) + 300}, key, algorithm="HS256", headers={"kid": kid})
    server = ServerConnection(emulator, token=server_token(temporary["AccessKey"], temporary["KeyId"]))
    try:
        server.send([28, owner["managed"], None, {}])
        kind, kid, key, error_type, error_message, _ = server.next(29)
        assert kid.startswith("asrs-tmp-") and key and error_type is None and error_message is None
        # The key it got signs tokens the service accepts.
        second = ServerConnection(emulator, token=server_token(key, kid))
        assert second.answer == [2, "", {}]
        second.close()
        # A principal without the App Server role, and a token that is not one, get the reason.
        server.send([28, reader["managed"], None, {}])
        _, kid, key, error_type, error_message, _ = server.next(29)
        assert kid is None and key is None and error_type and "SignalR App Server" in error_message
        server.send([28, "not-a-token", None, {}])
        _, kid, key, error_type, error_message, _ = server.next(29)
        assert key is None and error_type and error_message
    finally:
        server.close()


def test_the_token_service_refuses_a_missing_or_wrong_header_and_an_unknown_client_id(keyless):
    _, _, _, _, owner, _ = keyless
    identity_endpoint, header = owner["env"]["IDENTITY_ENDPOINT"], owner["env"]["IDENTITY_HEADER"]
    query = "api-version=2019-08-01&resource=https://signalr.azure.com"
    status, body = call("GET", f"{identity_endpoint}?{query}")
    assert status == 400 and json.loads(body)["statusCode"] == 400
    status, body = call("GET", f"{identity_endpoint}?{query}", headers={"X-IDENTITY-HEADER": "wrong"})
    assert status == 401 and "IDENTITY_HEADER" in json.loads(body)["message"]
    status, body = call("GET", f"{identity_endpoint}?{query}&client_id={uuid.uuid4()}", headers={"X-IDENTITY-HEADER": header})
    assert status == 400 and "client id" in json.loads(body)["message"]
    status, body = call("GET", f"{identity_endpoint}?api-version=2019-08-01&resource=https://vault.azure.net", headers={"X-IDENTITY-HEADER": header})
    assert status == 400 and "https://signalr.azure.com" in json.loads(body)["message"]
    status, body = call("GET", f"{identity_endpoint}?{query}", headers={"X-IDENTITY-HEADER": header})
    answer = json.loads(body)
    assert status == 200 and answer["token_type"] == "Bearer" and int(answer["expires_on"]) > time.time()


def test_the_dashboard_shows_identities_and_roles_and_its_feed_shows_a_refused_call(keyless):
    _, _, run, endpoint, _, reader = keyless
    link = run.wait_for_line(lambda line: "dashboard at " in line, seen=True).split("dashboard at ", 1)[1]
    base, token = link.split("/?t=", 1)
    headers = {"Authorization": f"Bearer {token}"}
    with urllib.request.urlopen(urllib.request.Request(f"{base}/api/resources", headers=headers), timeout=10) as response:
        resources = {resource["name"]: resource for resource in json.loads(response.read())}
    client_id, object_id = resources["reader"]["identity"][0].removeprefix("client id ").split(", object id ")
    claims = jwt.decode(reader["managed"], options={"verify_signature": False})
    assert (client_id, object_id) == (claims["appid"], claims["oid"])
    assert resources["owner"]["identity"][1] == "SignalR App Server, SignalR REST API Owner on signalr"
    assert resources["reader"]["identity"][1] == "SignalR REST API Reader on signalr"
    assert "identity" not in resources["signalr"] or resources["signalr"]["identity"] is None
    # The emulator's event feed, as the dashboard's SignalR view reads it, names a refused call.
    feed = urllib.request.urlopen(urllib.request.Request(f"{base}/api/signalr/signalr/events", headers=headers), timeout=10)
    try:
        status, _ = call("POST", f"{endpoint}/api/hubs/chat/:send?{API}", reader["managed"], {"target": "t", "arguments": []})
        assert status == 403
        while True:
            line = feed.readline().decode()
            assert line, "the feed ended before the refusal"
            if line.startswith("data:") and '"refused"' in line:
                event = json.loads(line[5:])
                assert event["httpStatus"] == 403 and "hub/send/action" in event["reason"]
                break
    finally:
        feed.close()


# An upstream app that keeps the Authorization header of each call it receives.
RECORDER = textwrap.dedent("""
    import json, os, sys
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args): pass
        def do_POST(self):
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            with open("calls.jsonl", "a") as out:
                out.write(json.dumps({"path": self.path, "authorization": self.headers.get("Authorization")}) + "\\n")
            self.send_response(200)
            self.end_headers()
    print("recording", flush=True)
    ThreadingHTTPServer(("127.0.0.1", int(os.environ["PORT"])), Handler).serve_forever()
""")


def test_an_upstream_with_managed_identity_auth_gets_a_bearer_token_of_the_emulators_own_identity(tmp_path):
    folder = tmp_path / "app"
    folder.mkdir()
    (folder / "recorder.py").write_text(RECORDER)
    (folder / "apphost.yaml").write_text(textwrap.dedent(f"""
        name: upstream-auth
        resources:
          signalr:
            type: signalr
            mode: Serverless
            upstream:
              - urlTemplate: "{{api.url}}/upstream/{{category}}/{{event}}"
                auth: {{ type: ManagedIdentity, resource: "api://chat-api" }}
          api:
            type: project
            command: {sys.executable} recorder.py
            port: 0
            waitFor: [signalr]
        """))
    run = AppHostRun(folder)
    try:
        run.wait_for_line(lambda line: "recording" in line, timeout=60)
        endpoint = run.wait_for_line(lambda line: "signalr | Endpoint=" in line, seen=True).split("Endpoint=", 1)[1].split(";", 1)[0]
        key = (folder / ".apphost" / "keys" / "signalr.key").read_text().strip()
        audience = f"{endpoint}/client/?hub=chat"
        token = jwt.encode({"aud": audience, "exp": int(time.time()) + 300}, key, algorithm="HS256")
        client = SignalRCoreClient(audience, options={"access_token_factory": lambda: token}).start()
        client.hub.stop()
        calls = folder / "calls.jsonl"
        assert wait_until(lambda: calls.exists() and "/connected" in calls.read_text(), timeout=10)
        call = next(json.loads(line) for line in calls.read_text().splitlines() if "/connected" in line)
        scheme, bearer = call["authorization"].split(" ", 1)
        # Verified as an upstream app would: the issuer's OpenID configuration, then its keys.
        configuration_url = run.wait_for_line(lambda line: "signing key in " in line, seen=True).split("signing key in ", 1)[1]
        with urllib.request.urlopen(configuration_url, timeout=10) as response:
            configuration = json.loads(response.read())
        signing_key = jwt.PyJWKClient(configuration["jwks_uri"]).get_signing_key_from_jwt(bearer)
        claims = jwt.decode(bearer, signing_key.key, algorithms=["ES256"], audience="api://chat-api", issuer=configuration["issuer"])
        client_id, object_id = (folder / ".apphost" / "identities" / "signalr").read_text().split()
        assert scheme == "Bearer" and jwt.get_unverified_header(bearer)["alg"] == "ES256"
        assert claims["aud"] == "api://chat-api"
        assert (claims["oid"], claims["appid"]) == (object_id, client_id)
        run.signal(signal.SIGINT)
        run.wait_for_clean_exit()
    finally:
        run.kill()
