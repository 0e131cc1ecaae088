"""The development issuer: signs tokens in embedded mode so the API can be tried without an
identity provider. Never part of a real deployment: its issuer is the fixed
`urn:ledger:development`, which a real issuer's verifier can never accept (issuers are
compared exactly) and which AuthSettings refuses as a configured issuer.

Its Ed25519 key is made on first use and kept outside the repository, owner-only (0600).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from services.identity.errors import IdentityConfigurationError
from services.identity.jwks import StaticKeySource
from services.identity.jwt_verifier import DEFAULT_ADMIN_SCOPE, JwtVerifier
from services.identity.principal import AuthMethod

DEVELOPMENT_ISSUER = "urn:ledger:development"
DEVELOPMENT_AUDIENCE = "urn:ledger:development"
DEFAULT_TOKEN_LIFETIME = timedelta(hours=8)


def default_key_path() -> Path:
    """`$XDG_DATA_HOME/ledger/dev-issuer-key.pem`, else `~/.local/share/ledger/...`."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "ledger" / "dev-issuer-key.pem"


def load_or_create_key(path: Path) -> Ed25519PrivateKey:
    """The key at `path`, made (mode 0600, folder 0700) when absent. Concurrent first runs
    agree on one key: each writes a private temporary file and links it into place."""
    if not path.exists():
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        pem = Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=".dev-issuer-")
        try:
            with os.fdopen(descriptor, "wb") as file:  # mkstemp creates it 0600
                file.write(pem)
            with contextlib.suppress(FileExistsError):  # another process was first: use its
                os.link(temporary, path)
        finally:
            os.unlink(temporary)
    if path.stat().st_mode & 0o077:
        raise IdentityConfigurationError(f"{path} is readable by others: chmod 600 it")
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError(f"{path} does not hold an Ed25519 key")
    return key


class DevelopmentIssuer:
    """Mints development tokens and verifies them (embedded mode only)."""

    def __init__(self, key_path: Path | None = None, *, admin_scope: str = DEFAULT_ADMIN_SCOPE):
        self.key_path = key_path or default_key_path()
        self._key = load_or_create_key(self.key_path)
        self._admin_scope = admin_scope
        public = self._key.public_key()
        raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        self.kid = "dev-" + hashlib.sha256(raw).hexdigest()[:16]
        self._jwk: dict[str, Any] = {
            **json.loads(jwt.algorithms.OKPAlgorithm.to_jwk(public)),
            "kid": self.kid,
            "alg": "EdDSA",
            "use": "sig",
        }

    def jwks(self) -> dict[str, Any]:
        """The public key set, as an issuer would publish it."""
        return {"keys": [dict(self._jwk)]}

    def mint(
        self,
        subject: str,
        *,
        operator: bool = False,
        lifetime: timedelta = DEFAULT_TOKEN_LIFETIME,
        now: datetime | None = None,
    ) -> str:
        """A token for `subject`, an operator's when `operator`."""
        issued = now or datetime.now(UTC)
        claims: dict[str, Any] = {
            "iss": DEVELOPMENT_ISSUER,
            "aud": DEVELOPMENT_AUDIENCE,
            "sub": subject,
            "iat": int(issued.timestamp()),
            "nbf": int(issued.timestamp()),
            "exp": int((issued + lifetime).timestamp()),
        }
        if operator:
            claims["scope"] = self._admin_scope
        return jwt.encode(claims, self._key, algorithm="EdDSA", headers={"kid": self.kid})

    def verifier(self, *, leeway_seconds: float = 30.0) -> JwtVerifier:
        return JwtVerifier(
            issuer=DEVELOPMENT_ISSUER,
            audience=DEVELOPMENT_AUDIENCE,
            keys=StaticKeySource(self.jwks()),
            algorithms=("EdDSA",),
            admin_scope=self._admin_scope,
            leeway_seconds=leeway_seconds,
            method=AuthMethod.DEVELOPMENT,
        )
