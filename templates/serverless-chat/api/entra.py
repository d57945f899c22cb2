"""Keyless sign-in with Microsoft Entra ID, with Python's standard library only: the app's own
token from its managed identity, client tokens from the service, and the check of the bearer
token the service sends with each upstream call (RS256 as Entra ID signs in Azure, ES256 as
apphost's local token service signs, both verified here without a crypto library)."""
import base64
import hashlib
import json
import os
import threading
import time
import urllib.parse
import urllib.request


class ManagedIdentity:
    """Tokens of the app's managed identity (IDENTITY_ENDPOINT and IDENTITY_HEADER, the protocol
    of App Service and Container Apps), kept until five minutes before they expire."""

    def __init__(self, client_id: str | None):
        self.client_id = client_id
        self.kept: dict[str, tuple[str, float]] = {}
        self.lock = threading.Lock()

    def token(self, resource: str = "https://signalr.azure.com") -> str:
        with self.lock:
            if (kept := self.kept.get(resource)) and kept[1] > time.time():
                return kept[0]
        query = {"api-version": "2019-08-01", "resource": resource, **({"client_id": self.client_id} if self.client_id else {})}
        request = urllib.request.Request(os.environ["IDENTITY_ENDPOINT"] + "?" + urllib.parse.urlencode(query),
                                         headers={"X-IDENTITY-HEADER": os.environ["IDENTITY_HEADER"]})
        with urllib.request.urlopen(request, timeout=10) as response:
            answer = json.load(response)
        with self.lock:
            self.kept[resource] = (answer["access_token"], int(answer["expires_on"]) - 300)
        return answer["access_token"]


def client_token(endpoint: str, hub: str, user: str | None, bearer: str) -> str:
    """A client's token, minted by the service (POST :generateToken, REST API 2024-12-01)."""
    query = {"api-version": "2024-12-01", "minutesToExpire": "60", **({"userId": user} if user else {})}
    request = urllib.request.Request(f"{endpoint}/api/hubs/{urllib.parse.quote(hub)}/:generateToken?{urllib.parse.urlencode(query)}",
                                     method="POST", headers={"Authorization": f"Bearer {bearer}"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)["token"]


class UpstreamVerifier:
    """Accepts an upstream call only with `Authorization: Bearer <JWT>` that is RS256 or ES256,
    signed by a key of the issuer's metadata, whose `iss` is that issuer, whose `aud` is `audience`, and that
    has not expired. The metadata is APPHOST_OPENID_CONFIGURATION under apphost run; in Azure,
    Entra ID's for AZURE_TENANT_ID."""

    def __init__(self, audience: str):
        self.audience = audience
        self.metadata = os.environ.get("APPHOST_OPENID_CONFIGURATION") or \
            f"https://login.microsoftonline.com/{os.environ.get('AZURE_TENANT_ID')}/.well-known/openid-configuration"
        self.issuer: tuple[str, list[dict]] | None = None
        # The service sends the same token until it nears expiry: one that passed is not
        # verified again (a verification takes some 20 ms in pure Python).
        self.accepted: dict[str, float] = {}

    def keys(self, refresh: bool) -> tuple[str, list[dict]]:
        if self.issuer is None or refresh:
            with urllib.request.urlopen(self.metadata, timeout=10) as response:
                metadata = json.load(response)
            with urllib.request.urlopen(metadata["jwks_uri"], timeout=10) as response:
                self.issuer = (metadata["issuer"], json.load(response)["keys"])
        return self.issuer

    def valid(self, authorization: str | None) -> bool:
        token = (authorization or "").removeprefix("Bearer ")
        if (expires := self.accepted.get(token)) and expires > time.time():
            return True
        if self.verified(authorization):
            if len(self.accepted) > 16:
                self.accepted.clear()
            self.accepted[token] = json.loads(decode(token.split(".")[1]))["exp"]
            return True
        return False

    def verified(self, authorization: str | None) -> bool:
        parts = (authorization or "").removeprefix("Bearer ").split(".")
        if not (authorization or "").startswith("Bearer ") or len(parts) != 3:
            return False
        try:
            header, claims, signature = (json.loads(decode(parts[0])), json.loads(decode(parts[1])), decode(parts[2]))
        except ValueError:
            return False
        if header.get("alg") not in ("RS256", "ES256"):
            return False
        issuer, keys = self.keys(refresh=False)
        key = next((key for key in keys if key.get("kid") == header.get("kid")), None)
        if key is None:
            issuer, keys = self.keys(refresh=True)
            key = next((key for key in keys if key.get("kid") == header.get("kid")), None)
        signed = f"{parts[0]}.{parts[1]}".encode()
        if key is None:
            return False
        if header["alg"] == "RS256" and key.get("kty") == "RSA":
            valid = rs256_valid(signed, signature, int.from_bytes(decode(key["n"]), "big"), int.from_bytes(decode(key["e"]), "big"))
        elif header["alg"] == "ES256" and key.get("crv") == "P-256":
            valid = es256_valid(signed, signature, (int.from_bytes(decode(key["x"]), "big"), int.from_bytes(decode(key["y"]), "big")))
        else:
            return False
        return valid and claims.get("iss") == issuer and claims.get("aud") == self.audience and claims.get("exp", 0) > time.time()


def decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


# The DER prefix of a SHA-256 DigestInfo, which RSASSA-PKCS1-v1_5 signs (RFC 8017, 9.2).
_SHA256_DIGEST_INFO = bytes.fromhex("3031300d060960864801650304020105000420")


def rs256_valid(signed: bytes, signature: bytes, modulus: int, exponent: int) -> bool:
    """Whether `signature` is the RSASSA-PKCS1-v1_5 SHA-256 signature of `signed` by the key."""
    size = (modulus.bit_length() + 7) // 8
    if len(signature) != size or size < 256:
        return False
    encoded = pow(int.from_bytes(signature, "big"), exponent, modulus).to_bytes(size, "big")
    digest = _SHA256_DIGEST_INFO + hashlib.sha256(signed).digest()
    return encoded == b"\x00\x01" + b"\xff" * (size - len(digest) - 3) + b"\x00" + digest


# ECDSA over P-256 (FIPS 186-4), verification only: the curve y² = x³ - 3x + b over the prime P.
_P = 0xFFFFFFFF00000001000000000000000000000000FFFFFFFFFFFFFFFFFFFFFFFF
_B = 0x5AC635D8AA3A93E7B3EBBD55769886BC651D06B0CC53B0F63BCE3C3E27D2604B
_N = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
_G = (0x6B17D1F2E12C4247F8BCE6E563A440F277037D812DEB33A0F4A13945D898C296,
      0x4FE342E2FE1A7F9B8EE7EB4A7C0F9E162BCE33576B315ECECBB6406837BF51F5)


def _add(p, q):
    if p is None:
        return q
    if q is None:
        return p
    (x1, y1), (x2, y2) = p, q
    if x1 == x2:
        if (y1 + y2) % _P == 0:
            return None
        slope = (3 * x1 * x1 - 3) * pow(2 * y1, -1, _P)
    else:
        slope = (y2 - y1) * pow(x2 - x1, -1, _P)
    x3 = (slope * slope - x1 - x2) % _P
    return x3, (slope * (x1 - x3) - y1) % _P


def _multiply(k, point):
    result = None
    while k:
        if k & 1:
            result = _add(result, point)
        point = _add(point, point)
        k >>= 1
    return result


def es256_valid(signed: bytes, signature: bytes, key: tuple[int, int]) -> bool:
    """Whether `signature` (r and s, 32 bytes each, as JWS writes them) signs `signed` with `key`."""
    x, y = key
    if len(signature) != 64 or (y * y - (x * x * x - 3 * x + _B)) % _P != 0:
        return False
    r, s = int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
    if not (0 < r < _N and 0 < s < _N):
        return False
    e = int.from_bytes(hashlib.sha256(signed).digest(), "big")
    w = pow(s, -1, _N)
    point = _add(_multiply(e * w % _N, _G), _multiply(r * w % _N, key))
    return point is not None and point[0] % _N == r
