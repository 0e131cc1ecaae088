"""A minimal OIDC provider for the browser tests of the code flow with PKCE: discovery,
an authorization endpoint that signs in a preset subject at once, a token endpoint that
checks the S256 code verifier, and the JWKS; tokens are signed by tests.support.oidc_issuer."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from tests.support.oidc_issuer import OidcIssuer

CLIENT_ID = "ledger-web"


@dataclass
class Provider:
    issuer: OidcIssuer
    #: Who "signs in" at the authorization endpoint next.
    subject: str = "alice"
    token_lifetime_seconds: int = 300
    codes: dict[str, tuple[str, str, str]] = field(default_factory=dict)
    token_requests: list[dict[str, str]] = field(default_factory=list)

    @property
    def url(self) -> str:
        return self.issuer.url


def s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


@contextmanager
def running_provider() -> Iterator[Provider]:
    provider = Provider(OidcIssuer())
    provider.issuer.add_key("RS256")
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            query = {k: v[0] for k, v in parse_qs(parts.query).items()}
            if parts.path == "/.well-known/openid-configuration":
                self._json(
                    200,
                    {
                        "issuer": provider.url,
                        "authorization_endpoint": provider.url + "/authorize",
                        "token_endpoint": provider.url + "/token",
                        "jwks_uri": provider.issuer.jwks_url,
                        "code_challenge_methods_supported": ["S256"],
                    },
                )
            elif parts.path == "/jwks.json":
                self._json(200, provider.issuer.jwks())
            elif parts.path == "/authorize":
                if (
                    query.get("client_id") != CLIENT_ID
                    or query.get("code_challenge_method") != "S256"
                ):
                    self._json(400, {"error": "invalid_request"})
                    return
                code = secrets.token_urlsafe(16)
                with lock:
                    provider.codes[code] = (
                        query["code_challenge"],
                        query["redirect_uri"],
                        provider.subject,
                    )
                target = (
                    query["redirect_uri"] + "?" + urlencode({"code": code, "state": query["state"]})
                )
                self.send_response(302)
                self.send_header("Location", target)
                self.send_header("Content-Length", "0")
                self.end_headers()
            else:
                self._json(404, {"error": "not found"})

        def do_OPTIONS(self) -> None:
            self.send_response(204)
            self._cors()
            self.send_header("Access-Control-Allow-Headers", "content-type")
            self.send_header("Content-Length", "0")
            self.end_headers()

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
            with lock:
                provider.token_requests.append(form)
                grant = provider.codes.pop(form.get("code", ""), None)
            if (
                self.path != "/token"
                or form.get("grant_type") != "authorization_code"
                or grant is None
                or s256(form.get("code_verifier", "")) != grant[0]
                or form.get("redirect_uri") != grant[1]
                or form.get("client_id") != CLIENT_ID
            ):
                self._json(400, {"error": "invalid_grant"})
                return
            token = provider.issuer.token(
                grant[2],
                exp=provider.issuer.claims()["iat"] + provider.token_lifetime_seconds,
            )
            self._json(
                200,
                {
                    "access_token": token,
                    "token_type": "Bearer",
                    "expires_in": provider.token_lifetime_seconds,
                },
            )

        def _cors(self) -> None:
            self.send_header("Access-Control-Allow-Origin", self.headers.get("Origin") or "*")

        def _json(self, status: int, payload: dict[str, Any]) -> None:
            data = json.dumps(payload).encode()
            self.send_response(status)
            self._cors()
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    provider.issuer.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    try:
        yield provider
    finally:
        server.shutdown()
        server.server_close()
