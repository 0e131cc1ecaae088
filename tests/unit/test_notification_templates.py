"""Notification words: amount and currency, debit or credit, counterparty, balance, id, time."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from services.domain.model import Account, Direction, Entry
from services.notifications import templates
from services.notifications.phone import InvalidPhoneNumber, normalize_e164

WHEN = datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC)


def entry(direction: Direction, counterparty: str | None = "bob", memo: str | None = None) -> Entry:
    return Entry(
        id="E1",
        transfer_id="T123",
        account_id="alice",
        counterparty_id=counterparty,
        direction=direction,
        amount=Decimal("12.50"),
        balance_after=Decimal("87.50"),
        version=3,
        currency="EUR",
        created_at=WHEN,
        memo=memo,
    )


ALICE = Account(id="alice", balance=Decimal("87.50"), currency="EUR", created_at=WHEN, version=3)


def test_debit_email_says_what_happened() -> None:
    message = templates.email_message(entry(Direction.DEBIT, memo="<rent>"), ALICE)
    assert message.subject == "Debit of 12.50 EUR to account bob on account alice"
    for fact in ("12.50 EUR", "debit", "bob", "87.50 EUR", "T123", "2026-03-04 05:06:07 UTC"):
        assert fact in message.text
        assert fact in (message.html or "")
    assert "&lt;rent&gt;" in (message.html or "")  # escaped in HTML
    assert "<rent>" in message.text


def test_credit_and_opening_balance_wording() -> None:
    assert templates.describe(entry(Direction.CREDIT)) == "Credit of 12.50 EUR from account bob"
    assert templates.describe(entry(Direction.CREDIT, None)) == "Opening balance of 12.50 EUR"


def test_sms_is_one_short_line_with_the_facts() -> None:
    text = templates.sms_message(entry(Direction.CREDIT)).text
    assert text == (
        "Ledger alice: Credit of 12.50 EUR from account bob. Balance 87.50 EUR. "
        "Transfer T123, 2026-03-04 05:06:07 UTC."
    )
    assert len(text) < 160


@pytest.mark.parametrize(
    ("raw", "e164"),
    [
        ("+14155550100", "+14155550100"),
        ("+1 (415) 555-0100", "+14155550100"),
        ("0044 20 7946 0958", "+442079460958"),
        (" +49.30.123456 ", "+4930123456"),
    ],
)
def test_phone_numbers_are_normalized_to_e164(raw: str, e164: str) -> None:
    assert normalize_e164(raw) == e164


@pytest.mark.parametrize("raw", ["4155550100", "+0123", "+1234567890123456", "call me"])
def test_numbers_without_a_country_code_are_refused(raw: str) -> None:
    with pytest.raises(InvalidPhoneNumber):
        normalize_e164(raw)
