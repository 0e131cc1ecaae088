from __future__ import annotations

import pytest

from services.domain import validation
from services.domain.errors import ErrorCode, InvalidInput


@pytest.mark.parametrize(
    "value", ["a", "alice", "A1", "user-42", "org:team.member_x", "a@b+c", "9" * 128]
)
def test_account_id_accepts_well_formed_ids(value: str) -> None:
    assert validation.is_account_id(value)
    assert validation.account_id(value) == value


@pytest.mark.parametrize(
    "value",
    [
        "",
        "a" * 129,
        "-leading-dash",
        ".dot",
        "has space",
        "slash/inside",
        "hash#inside",
        "tab\tinside",
        "trailing-newline\n",
        "ünïcode",
        None,
        42,
    ],
)
def test_account_id_rejects_malformed_ids(value: object) -> None:
    assert not validation.is_account_id(value)
    with pytest.raises(InvalidInput) as raised:
        validation.account_id(value, field="from_id")
    assert raised.value.field == "from_id"
    assert raised.value.code is ErrorCode.INVALID_INPUT


def test_email_is_normalized_and_none_stays_none() -> None:
    assert validation.email(None) is None
    assert validation.email("alice@example.com") == "alice@example.com"
    assert validation.email("Alice@EXAMPLE.com") == "Alice@example.com"


@pytest.mark.parametrize(
    "value", ["", "alice", "alice@", "@example.com", "a b@example.com", "alice@@example.com"]
)
def test_email_rejects_malformed_addresses(value: str) -> None:
    with pytest.raises(InvalidInput) as raised:
        validation.email(value)
    assert raised.value.field == "email"


@pytest.mark.parametrize("value", ["+14155550100", "+442071838750", "+12", "+123456789012345"])
def test_phone_accepts_e164(value: str) -> None:
    assert validation.phone(value) == value


@pytest.mark.parametrize(
    "value",
    [
        "",
        "14155550100",
        "+04155550100",
        "+1",
        "+1234567890123456",
        "+1 415 555 0100",
        "+1-415-555-0100",
        "+1415555010a",
        "+14155550100\n",
    ],
)
def test_phone_rejects_anything_but_e164(value: str) -> None:
    with pytest.raises(InvalidInput) as raised:
        validation.phone(value)
    assert raised.value.field == "phone"


def test_phone_none_stays_none() -> None:
    assert validation.phone(None) is None


def test_memo_empty_is_none_and_text_is_kept() -> None:
    assert validation.memo(None) is None
    assert validation.memo("") is None
    assert validation.memo("rent\tMarch ✓") == "rent\tMarch ✓"
    longest = "x" * validation.MAX_MEMO_LENGTH
    assert validation.memo(longest) == longest


def test_memo_rejects_too_long_text() -> None:
    with pytest.raises(InvalidInput, match="at most") as raised:
        validation.memo("x" * (validation.MAX_MEMO_LENGTH + 1))
    assert raised.value.field == "memo"


@pytest.mark.parametrize("control", ["\n", "\r", "\x00", "\x1b", "\x7f", "\x85", "\x9f"])
def test_memo_rejects_control_characters(control: str) -> None:
    with pytest.raises(InvalidInput, match="control") as raised:
        validation.memo(f"before{control}after")
    assert raised.value.field == "memo"


def test_idempotency_key_accepts_printable_keys() -> None:
    assert validation.idempotency_key(None) is None
    assert validation.idempotency_key("order-123:attempt") == "order-123:attempt"
    longest = "k" * validation.MAX_IDEMPOTENCY_KEY_LENGTH
    assert validation.idempotency_key(longest) == longest


@pytest.mark.parametrize(
    "value",
    ["", " key", "key ", "k" * (validation.MAX_IDEMPOTENCY_KEY_LENGTH + 1), "a\nb", "a\x00b", 7],
)
def test_idempotency_key_rejects_malformed_keys(value: object) -> None:
    with pytest.raises(InvalidInput) as raised:
        validation.idempotency_key(value)  # type: ignore[arg-type]
    assert raised.value.field == "idempotency_key"
