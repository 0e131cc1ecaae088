from __future__ import annotations

import base64

import pytest

from services.domain.errors import InvalidInput
from services.ledger.cursor import decode_cursor, encode_cursor


@pytest.mark.parametrize("account_id", ["alice", "org:team:member", "a@b+c.d", "x" * 128])
@pytest.mark.parametrize("version", [1, 7, 10**19])
def test_cursor_round_trips(account_id: str, version: int) -> None:
    cursor = encode_cursor(account_id, version)
    assert decode_cursor(cursor, account_id) == version


def test_cursor_is_url_safe_and_opaque() -> None:
    cursor = encode_cursor("alice", 42)
    assert "alice" not in cursor
    assert not set(cursor) - set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


def test_cursor_of_another_account_is_refused() -> None:
    cursor = encode_cursor("alice", 5)
    with pytest.raises(InvalidInput, match="bob") as raised:
        decode_cursor(cursor, "bob")
    assert raised.value.field == "after"


def test_cursor_of_an_account_whose_id_extends_another_is_refused() -> None:
    with pytest.raises(InvalidInput):
        decode_cursor(encode_cursor("alice:2", 5), "alice")


def _forge(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    "cursor",
    [
        "",
        "garbage",
        "!!!!",
        "é",
        _forge("e1:0:alice"),
        _forge("e1:-3:alice"),
        _forge("e1:+3:alice"),
        _forge("e1: 3:alice"),
        _forge("e1:x:alice"),
        _forge("e1:١٢:alice"),  # digits, but not ASCII ones
        _forge(f"e1:{'9' * 39}:alice"),  # more than a DynamoDB number holds
        _forge(f"e1:{'9' * 5000}:alice"),
        _forge("e2:3:alice"),
        _forge("e1:3"),
        _forge("alice"),
        base64.urlsafe_b64encode(b"\xff\xfe:3:alice").decode(),
    ],
)
def test_garbage_cursors_are_invalid_input(cursor: str) -> None:
    with pytest.raises(InvalidInput) as raised:
        decode_cursor(cursor, "alice", field="after")
    assert raised.value.field == "after"
