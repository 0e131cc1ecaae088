"""Holds through the stream: every change of a balance or an available balance is a versioned
event the feed delivers in order and replays from the table, and holds, captures, voids,
expiries and reversals are notified with their own words."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import pytest

from services import HoldStatus
from services.bootstrap import Services
from services.domain.events import BalanceChanged
from services.domain.model import ChangeKind
from services.settings import Settings
from tests.streams.support import SmsGateway, sent_mail
from tests.streams.test_notifications import cli, cli_environment

ALICE_PHONE = "+14155550100"


async def open_accounts(services: Services) -> None:
    await services.ledger.create_account_with_balance(
        "alice", "100.00", email="alice@example.com", phone=ALICE_PHONE
    )
    await services.ledger.create_account_with_balance("bob", "0", email="bob@example.com")


async def holds_and_their_endings(services: Services) -> str:
    """Alice (opened with 100) holds 30 (captures 12.50), 5 (voided), 7 (expires); bob gives
    2.50 of the capture back. Returns the capture's transfer id."""
    ledger = services.ledger
    holds = ledger.hold_service()
    first = await holds.authorize_transfer("alice", "bob", "30", metadata={"order": "7"})
    captured = await holds.capture_transfer(first.id, "12.50")
    second = await holds.authorize_transfer("alice", "bob", "5")
    await holds.void_transfer(second.id)
    await holds.authorize_transfer("alice", "bob", "7", expires_in_seconds=1)
    await asyncio.sleep(1.1)
    assert ledger.hold_sweeper is not None
    assert await ledger.hold_sweeper.sweep_once() == 1
    assert captured.transfer_id is not None
    await ledger.reverse_transfer(captured.transfer_id, "2.50")
    return captured.transfer_id


#: Alice's versions after the opening: (kind, balance, available balance).
ALICE_CHANGES = [
    (ChangeKind.OPENING, "100.00", "100.00"),
    (ChangeKind.HOLD_AUTHORIZED, "100.00", "70.00"),
    (ChangeKind.HOLD_CAPTURED, "100.00", "100.00"),  # the hold released ...
    (ChangeKind.HOLD_CAPTURED, "87.50", "87.50"),  # ... and the captured part debited
    (ChangeKind.HOLD_AUTHORIZED, "87.50", "82.50"),
    (ChangeKind.HOLD_VOIDED, "87.50", "87.50"),
    (ChangeKind.HOLD_AUTHORIZED, "87.50", "80.50"),
    (ChangeKind.HOLD_EXPIRED, "87.50", "87.50"),
    (ChangeKind.REVERSAL, "90.00", "90.00"),
]


def changes(events: list[BalanceChanged]) -> list[tuple[ChangeKind, str, str]]:
    return [
        (e.entry.change_kind, f"{e.balance:.2f}", f"{e.entry.available_after:.2f}") for e in events
    ]


async def collect(services: Services, account: str, after: int, count: int) -> list[BalanceChanged]:
    seen: list[BalanceChanged] = []
    assert services.balances is not None
    async for event in services.balances.subscribe_balance(account, after_version=after):
        seen.append(event)
        if len(seen) == count:
            break
    return seen


async def test_hold_changes_are_live_in_order_and_replayed(services: Services) -> None:
    assert services.stream_worker is not None
    await open_accounts(services)
    live = asyncio.create_task(collect(services, "alice", 0, len(ALICE_CHANGES)))
    await asyncio.sleep(0.1)
    await holds_and_their_endings(services)
    await services.stream_worker.catch_up()
    events = await asyncio.wait_for(live, 15)
    assert [e.version for e in events] == list(range(1, len(ALICE_CHANGES) + 1))
    assert changes(events) == ALICE_CHANGES
    # A subscriber resuming after version 1 reads the rest back from the table, holds included.
    resumed = await asyncio.wait_for(collect(services, "alice", 1, len(ALICE_CHANGES) - 1), 15)
    assert changes(resumed) == ALICE_CHANGES[1:]
    bob = await asyncio.wait_for(collect(services, "bob", 0, 2), 15)
    assert changes(bob) == [
        (ChangeKind.HOLD_CAPTURED, "12.50", "12.50"),
        (ChangeKind.REVERSAL, "10.00", "10.00"),
    ]


async def test_holds_captures_voids_expiries_and_reversals_are_notified(
    services: Services, sms_gateway: SmsGateway, stream_settings: Settings
) -> None:
    endpoint = stream_settings.endpoint_url
    assert endpoint is not None
    assert services.stream_worker is not None
    assert services.notifier is not None
    await open_accounts(services)
    captured = await holds_and_their_endings(services)
    await services.stream_worker.catch_up()
    await services.notifier.drain()

    alice = [
        m["subject"]
        for m in sent_mail(endpoint)
        if m["destinations"]["ToAddresses"] == ["alice@example.com"]
    ]
    assert sorted(alice) == sorted(
        [
            "Opening balance of 100.00 USD on account alice",
            "Hold of 30.00 USD for account bob on account alice",
            "Captured hold: debit of 12.50 USD to account bob on account alice",
            "Hold of 5.00 USD for account bob on account alice",
            "Hold of 5.00 USD for account bob voided on account alice",
            "Hold of 7.00 USD for account bob on account alice",
            "Hold of 7.00 USD for account bob expired on account alice",
            "Reversal: credit of 2.50 USD from account bob on account alice",
        ]
    )
    bob = [
        m for m in sent_mail(endpoint) if m["destinations"]["ToAddresses"] == ["bob@example.com"]
    ]
    assert sorted(m["subject"] for m in bob) == [
        "Captured hold: credit of 12.50 USD from account alice on account bob",
        "Reversal: debit of 2.50 USD to account alice on account bob",
    ]
    capture_mail = next(m for m in bob if "Captured" in m["subject"])
    assert captured in capture_mail["body"]
    held = next(m for m in sent_mail(endpoint) if m["subject"].startswith("Hold of 30.00"))
    assert "Available after</th><td>70.00 USD" in held["body"]  # the HTML part is kept
    texts = sms_gateway.texts_to(ALICE_PHONE)
    assert len(texts) == 8
    assert any("Hold of 30.00 USD for account bob. Available 70.00 USD. Hold " in t for t in texts)
    assert await services.notifier.failed() == []


async def test_expire_holds_from_the_cli(
    services: Services, stream_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    await open_accounts(services)
    holds = services.ledger.hold_service()
    due = await holds.authorize_transfer("alice", "bob", "4", expires_in_seconds=1)
    kept = await holds.authorize_transfer("alice", "bob", "6", expires_in_seconds=600)
    for name, value in cli_environment(stream_settings).items():
        monkeypatch.setenv(name, value)
    await asyncio.sleep(1.1)
    result = await cli(["expire-holds"])
    assert result.exit_code == 0, result.output
    assert "expired 1 holds" in result.output
    ended, pending = (
        await holds.get_pending_transfer(due.id),
        await holds.get_pending_transfer(kept.id),
    )
    assert ended is not None
    assert ended.status is HoldStatus.EXPIRED
    assert pending is not None
    assert pending.status is HoldStatus.PENDING
    assert (await services.ledger.get_account("alice")).pending_debits == Decimal("6.00")
