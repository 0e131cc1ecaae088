"""API keys for server-to-server callers: `lk_<key id>_<secret>`, shown once at creation.

Only a SHA-256 digest of the secret is stored. A plain fast hash is enough here (unlike
passwords, which need a slow one): the secret is 32 random bytes from `secrets`, so there is
nothing to guess from a leaked digest, and a fast check keeps every request cheap.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass, field, replace
from datetime import datetime

PREFIX = "lk_"
_KEY = re.compile(r"lk_([0-9a-f]{16})_([A-Za-z0-9_-]{43})")


@dataclass(frozen=True, slots=True)
class ApiKey:
    """A stored API key record: who it stands for, never the secret itself."""

    key_id: str
    name: str
    subject: str
    is_operator: bool
    created_at: datetime
    secret_hash: bytes = field(repr=False)
    revoked_at: datetime | None = None

    def revoked(self, at: datetime) -> ApiKey:
        return self if self.revoked_at is not None else replace(self, revoked_at=at)

    def matches(self, secret: str) -> bool:
        return hmac.compare_digest(self.secret_hash, hash_secret(secret))


def hash_secret(secret: str) -> bytes:
    return hashlib.sha256(secret.encode()).digest()


def new_key_id() -> str:
    return secrets.token_hex(8)


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def format_key(key_id: str, secret: str) -> str:
    return f"{PREFIX}{key_id}_{secret}"


def looks_like_api_key(credential: str) -> bool:
    return credential.startswith(PREFIX)


def parse_key(credential: str) -> tuple[str, str] | None:
    """(key id, secret) of a well-formed key, else None."""
    match = _KEY.fullmatch(credential)
    return None if match is None else (match.group(1), match.group(2))
