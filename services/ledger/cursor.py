"""Opaque history cursors: an account and an entry version, so page N costs what page 1 does."""

from __future__ import annotations

import base64
import binascii

from services.domain.errors import InvalidInput

_PREFIX = "e1"


def encode_cursor(account_id: str, version: int) -> str:
    """The cursor that points at the entry with this version (exclusive start of the next page)."""
    raw = f"{_PREFIX}:{version}:{account_id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, account_id: str, *, field: str = "after") -> int:
    """The entry version a cursor points at. Raises InvalidInput for a foreign or forged cursor."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        prefix, version_text, owner = raw.split(":", 2)
        version = int(version_text)
    except (ValueError, UnicodeDecodeError, binascii.Error):
        raise InvalidInput(f"{field} is not a valid cursor", field=field) from None
    if prefix != _PREFIX or owner != account_id or version < 1 or not version_text.isdigit():
        raise InvalidInput(f"{field} is not a cursor of account {account_id!r}", field=field)
    return version
