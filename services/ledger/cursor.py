"""Opaque cursors: history (an account and an entry version, so page N costs what page 1
does) and an owner's account list (the owner and the last account id)."""

from __future__ import annotations

import base64
import binascii
import json

from services.domain.errors import InvalidInput

_PREFIX = "e1"
#: Versions are DynamoDB numbers, which have 38 digits of precision.
_MAX_VERSION_DIGITS = 38


def encode_cursor(account_id: str, version: int) -> str:
    """The cursor that points at the entry with this version (exclusive start of the next page)."""
    raw = f"{_PREFIX}:{version}:{account_id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, account_id: str, *, field: str = "after") -> int:
    """The entry version a cursor points at. Raises InvalidInput for a foreign or forged cursor."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        prefix, version_text, owner = raw.split(":", 2)
        # ASCII digits only (int() also reads "١٢٣"), and few enough that int() is cheap and
        # DynamoDB can store the number.
        if not (version_text.isascii() and version_text.isdigit()):
            raise ValueError(version_text)
        if len(version_text) > _MAX_VERSION_DIGITS:
            raise ValueError(version_text)
        version = int(version_text)
    except (ValueError, UnicodeDecodeError, binascii.Error):
        raise InvalidInput(f"{field} is not a valid cursor", field=field) from None
    if prefix != _PREFIX or owner != account_id or version < 1:
        raise InvalidInput(f"{field} is not a cursor of account {account_id!r}", field=field)
    return version


_OWNED_PREFIX = "o1"


def encode_owned_cursor(owner_id: str, account_id: str) -> str:
    """The cursor after `account_id` in `owner_id`'s list of accounts."""
    raw = json.dumps([_OWNED_PREFIX, owner_id, account_id], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_owned_cursor(cursor: str, owner_id: str, *, field: str = "after") -> str:
    """The account id an owner-list cursor points at. Raises InvalidInput for a cursor of
    another owner, another list, or a forged one."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        prefix, owner, account_id = json.loads(raw)
    except (ValueError, TypeError, UnicodeDecodeError, binascii.Error):
        raise InvalidInput(f"{field} is not a valid cursor", field=field) from None
    if prefix != _OWNED_PREFIX or owner != owner_id or not isinstance(account_id, str):
        raise InvalidInput(f"{field} is not a cursor of this account list", field=field)
    return account_id


_HOLDS_PREFIX = "h1"


def encode_hold_cursor(account_id: str, hold_id: str) -> str:
    """The cursor after the hold `hold_id` in `account_id`'s list of holds."""
    raw = json.dumps([_HOLDS_PREFIX, account_id, hold_id], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_hold_cursor(cursor: str, account_id: str, *, field: str = "after") -> str:
    """The hold id a cursor of `account_id`'s holds points at. Raises InvalidInput for a cursor
    of another account, another list, or a forged one."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        prefix, account, hold_id = json.loads(raw)
    except (ValueError, TypeError, UnicodeDecodeError, binascii.Error):
        raise InvalidInput(f"{field} is not a valid cursor", field=field) from None
    if prefix != _HOLDS_PREFIX or account != account_id or not isinstance(hold_id, str):
        raise InvalidInput(f"{field} is not a cursor of this account's holds", field=field)
    return hold_id
