"""A real OIDC issuer on 127.0.0.1 for tests: discovery document and JWKS over HTTP, key
rotation, an outage switch, request counters, and token minting - hostile tokens included."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

AUDIENCE = "ledger-api"
ADMIN_SCOPE = "ledger:admin"

PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def new_private_key(alg: str) -> PrivateKey:
    if alg.startswith(("RS", "PS")):
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)
    if alg == "ES256":
        return ec.generate_private_key(ec.SECP256R1())
    if alg == "EdDSA":
        return ed25519.Ed25519PrivateKey.generate()
    raise ValueError(f"no test key for {alg}")


def public_jwk(key: PrivateKey, kid: str, alg: str) -> dict[str, Any]:
    algorithm = jwt.get_algorithm_by_name(alg)
    return {**json.loads(algorithm.to_jwk(key.public_key())), "kid": kid, "alg": alg, "use": "sig"}


@dataclass
class SigningKey:
    kid: str
    alg: str
    private: PrivateKey

    def public_pem(self) -> bytes:
        return self.private.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )


@dataclass
class OidcIssuer:
    """State of the running issuer; every method is safe to call from the test's thread."""

    url: str = ""
    audience: str = AUDIENCE
    #: While True, every request is answered 503 (the provider is down).
    down: bool = False
    #: Seconds every answer waits (a slow or hanging provider).
    delay_seconds: float = 0.0
    discovery_requests: int = 0
    jwks_requests: int = 0
    refused_requests: int = 0
    keys: dict[str, SigningKey] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    _serial: int = 0

    @property
    def jwks_url(self) -> str:
        return self.url + "/jwks.json"

    def add_key(self, alg: str = "RS256", kid: str | None = None) -> SigningKey:
        with self.lock:
            self._serial += 1
            key = SigningKey(kid or f"key-{self._serial}", alg, new_private_key(alg))
            self.keys[key.kid] = key
            return key

    def retire_key(self, kid: str) -> None:
        with self.lock:
            del self.keys[kid]

    def rotate(self, alg: str = "RS256") -> SigningKey:
        """Publish a new key and retire every older one."""
        new = self.add_key(alg)
        for kid in [kid for kid in self.keys if kid != new.kid]:
            self.retire_key(kid)
        return new

    def jwks(self) -> dict[str, Any]:
        with self.lock:
            return {"keys": [public_jwk(k.private, k.kid, k.alg) for k in self.keys.values()]}

    def claims(self, subject: str = "alice", **overrides: Any) -> dict[str, Any]:
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": self.url,
            "aud": self.audience,
            "sub": subject,
            "iat": now,
            "nbf": now,
            "exp": now + 300,
        }
        claims.update(overrides)
        return {name: value for name, value in claims.items() if value is not None}

    def token(
        self,
        subject: str = "alice",
        *,
        key: SigningKey | None = None,
        kid: str | None = None,
        operator: bool = False,
        **claims: Any,
    ) -> str:
        """A token signed by `key` (default: the newest key), with `kid` (default the key's;
        pass kid='' for none) and claims (None removes one)."""
        signer = key or list(self.keys.values())[-1]
        if operator:
            claims.setdefault("scope", ADMIN_SCOPE)
        headers = {"kid": signer.kid if kid is None else kid} if kid != "" else {}
        return jwt.encode(
            self.claims(subject, **claims), signer.private, algorithm=signer.alg, headers=headers
        )

    def unsigned_token(self, subject: str = "alice", **claims: Any) -> str:
        """`alg: none`, no signature."""
        header = {"alg": "none", "typ": "JWT"}
        return _compact(header, self.claims(subject, **claims), b"")

    def hs256_with_public_key(self, key: SigningKey, subject: str = "alice") -> str:
        """The classic confusion attack: HMAC-signed with the issuer's public key as secret."""
        header = {"alg": "HS256", "typ": "JWT", "kid": key.kid}
        signing_input = _signing_input(header, self.claims(subject, scope=ADMIN_SCOPE))
        signature = hmac.new(key.public_pem(), signing_input.encode(), hashlib.sha256).digest()
        return signing_input + "." + b64url(signature)

    def tampered(self, token: str, **claims: Any) -> str:
        """`token` with its payload changed and its original signature kept."""
        header, payload, signature = token.split(".")
        body = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        body.update(claims)
        return ".".join([header, b64url(json.dumps(body).encode()), signature])


def _signing_input(header: dict[str, Any], claims: dict[str, Any]) -> str:
    return b64url(json.dumps(header).encode()) + "." + b64url(json.dumps(claims).encode())


def _compact(header: dict[str, Any], claims: dict[str, Any], signature: bytes) -> str:
    return _signing_input(header, claims) + "." + b64url(signature)


@contextmanager
def running_issuer(alg: str = "RS256") -> Iterator[OidcIssuer]:
    """An issuer serving on a free loopback port, with one `alg` key, until the block ends."""
    issuer = OidcIssuer()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            time.sleep(issuer.delay_seconds)
            if issuer.down:
                with issuer.lock:
                    issuer.refused_requests += 1
                self._answer(503, {"error": "down"})
            elif self.path == "/.well-known/openid-configuration":
                with issuer.lock:
                    issuer.discovery_requests += 1
                self._answer(200, {"issuer": issuer.url, "jwks_uri": issuer.jwks_url})
            elif self.path == "/jwks.json":
                with issuer.lock:
                    issuer.jwks_requests += 1
                self._answer(200, issuer.jwks())
            else:
                self._answer(404, {"error": "not found"})

        def _answer(self, status: int, payload: dict[str, Any]) -> None:
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    # a short poll interval: shutdown() waits for one poll, 0.5 s by default
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    issuer.url = f"http://127.0.0.1:{server.server_address[1]}"
    issuer.add_key(alg)
    try:
        yield issuer
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture
def oidc_issuer() -> Iterator[OidcIssuer]:
    """A running issuer with one RS256 key. Use it from a conftest:
    `from tests.support.oidc_issuer import oidc_issuer as oidc_issuer`."""
    with running_issuer() as issuer:
        yield issuer
