"""Holds against the embedded endpoint: authorize, capture (all or part), void, expiry, the
races between them, idempotent replays and the hash chain they extend."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from services import (
    AmountExceedsAuthorized,
    ErrorCode,
    HoldStatus,
    IdempotencyConflict,
    InsufficientFunds,
    InvalidAmount,
    Ledger,
    LedgerError,
    SameAccount,
    TransferNotFound,
    TransferNotPending,
)
from services.domain.errors import AccountNotFound, Forbidden, InvalidInput
from services.domain.model import ChangeKind, Direction
from services.identity.principal import AuthMethod, Principal
from services.ledger.holds import HoldService
from services.ledger.ports import TransientStoreError
from services.settings import Settings
from tests.helpers import balances_by_account, items_of_type, table_items

ALICE = Principal(subject="alice-sub", is_operator=False, method=AuthMethod.JWT)
BOB = Principal(subject="bob-sub", is_operator=False, method=AuthMethod.JWT)


@pytest.fixture
async def funded(ledger: Ledger) -> tuple[Ledger, HoldService]:
    await ledger.create_account_with_balance("alice", "100.00", owner_id="alice-sub")
    await ledger.create_account_with_balance("bob", "0", owner_id="bob-sub")
    return ledger, ledger.hold_service()


async def test_authorize_reserves_without_moving(funded: tuple[Ledger, HoldService]) -> None:
    ledger, holds = funded
    hold = await holds.authorize_transfer(
        "alice", "bob", "30.00", memo="order 7", metadata={"order": "7"}, principal=ALICE
    )
    assert (hold.status, hold.amount, hold.captured_amount) == (
        HoldStatus.PENDING,
        Decimal("30.00"),
        Decimal("0.00"),
    )
    alice = await ledger.get_account("alice")
    assert (alice.balance, alice.pending_debits, alice.available_balance) == (
        Decimal("100.00"),
        Decimal("30.00"),
        Decimal("70.00"),
    )
    assert alice.version == 2  # the opening entry, then the HOLD entry
    [entry] = (await ledger.get_transactions("alice", 1)).entries
    assert (entry.direction, entry.kind, entry.balance_after, entry.pending_after) == (
        Direction.HOLD,
        ChangeKind.HOLD_AUTHORIZED,
        Decimal("100.00"),
        Decimal("30.00"),
    )
    # Funds reserved are not available to transfers or further holds.
    with pytest.raises(InsufficientFunds):
        await ledger.transfer_credits("alice", "bob", "70.01")
    with pytest.raises(InsufficientFunds):
        await holds.authorize_transfer("alice", "bob", "70.01")
    got = await holds.get_pending_transfer(hold.id, principal=BOB)
    assert got is not None
    assert got.metadata == {"order": "7"}


async def test_partial_capture_posts_part_and_releases_rest(
    funded: tuple[Ledger, HoldService],
) -> None:
    ledger, holds = funded
    hold = await holds.authorize_transfer("alice", "bob", "30.00", principal=ALICE)
    with pytest.raises(AmountExceedsAuthorized) as raised:
        await holds.capture_transfer(hold.id, "30.01", principal=ALICE)
    assert raised.value.code is ErrorCode.AMOUNT_EXCEEDS_AUTHORIZED
    captured = await holds.capture_transfer(hold.id, "12.50", principal=ALICE)
    assert (captured.status, captured.captured_amount) == (HoldStatus.POSTED, Decimal("12.50"))
    assert captured.transfer_id is not None
    alice, bob = await ledger.get_account("alice"), await ledger.get_account("bob")
    assert (alice.balance, alice.pending_debits) == (Decimal("87.50"), Decimal("0.00"))
    assert bob.balance == Decimal("12.50")
    transfer = await ledger.get_transfer(captured.transfer_id)
    assert transfer is not None
    assert transfer.amount == Decimal("12.50")
    with pytest.raises(TransferNotPending):
        await holds.capture_transfer(hold.id, principal=ALICE)
    with pytest.raises(TransferNotPending):
        await holds.void_transfer(hold.id, principal=ALICE)
    for account in ("alice", "bob"):
        verification = await ledger.integrity.verify_account(account)  # type: ignore[union-attr]
        assert verification.ok, verification.problems


async def test_void_releases_and_replays_move_money_once(
    funded: tuple[Ledger, HoldService],
) -> None:
    ledger, holds = funded
    first = await holds.authorize_transfer("alice", "bob", "40", idempotency_key="h1")
    again = await holds.authorize_transfer("alice", "bob", "40", idempotency_key="h1")
    assert again.id == first.id
    with pytest.raises(IdempotencyConflict):
        await holds.authorize_transfer("alice", "bob", "41", idempotency_key="h1")
    assert (await ledger.get_account("alice")).pending_debits == Decimal("40.00")
    voided = await holds.void_transfer(first.id)
    assert voided.status is HoldStatus.VOIDED
    alice = await ledger.get_account("alice")
    assert (alice.balance, alice.pending_debits) == (Decimal("100.00"), Decimal("0.00"))
    second = await holds.authorize_transfer("alice", "bob", "10", idempotency_key="h2")
    done = await holds.capture_transfer(second.id, idempotency_key="c1")
    replay = await holds.capture_transfer(second.id, idempotency_key="c1")
    assert replay == done
    assert (await ledger.get_account("bob")).balance == Decimal("10.00")


async def test_expired_hold_is_released_by_the_sweeper(
    funded: tuple[Ledger, HoldService], settings: Settings
) -> None:
    ledger, holds = funded
    hold = await holds.authorize_transfer("alice", "bob", "25", expires_in_seconds=1)
    kept = await holds.authorize_transfer("alice", "bob", "5", expires_in_seconds=3600)
    items = await table_items(settings)
    assert len(items_of_type(items, "HOLD_DUE")) == 2
    await asyncio.sleep(1.1)
    assert ledger.hold_sweeper is not None
    assert await ledger.hold_sweeper.sweep_once() == 1
    assert await ledger.hold_sweeper.sweep_once() == 0  # released once, and only once
    ended = await holds.get_pending_transfer(hold.id)
    assert ended is not None
    assert ended.status is HoldStatus.EXPIRED
    alice = await ledger.get_account("alice")
    assert (alice.balance, alice.pending_debits) == (Decimal("100.00"), Decimal("5.00"))
    items = await table_items(settings)
    assert [i["hold_id"]["S"] for i in items_of_type(items, "HOLD_DUE")] == [kept.id]
    with pytest.raises(TransferNotPending):
        await holds.capture_transfer(hold.id)


async def test_capture_after_expiry_is_refused_and_expires_it(
    funded: tuple[Ledger, HoldService],
) -> None:
    ledger, holds = funded
    hold = await holds.authorize_transfer("alice", "bob", "25", expires_in_seconds=1)
    await asyncio.sleep(1.1)
    with pytest.raises(TransferNotPending) as raised:
        await holds.capture_transfer(hold.id)
    assert raised.value.status == "EXPIRED"
    alice = await ledger.get_account("alice")
    assert (alice.balance, alice.pending_debits) == (Decimal("100.00"), Decimal("0.00"))
    assert (await ledger.get_account("bob")).balance == Decimal("0.00")


@pytest.mark.parametrize("rounds", [6])
async def test_capture_void_and_expiry_race_exactly_one_wins(
    funded: tuple[Ledger, HoldService], rounds: int
) -> None:
    ledger, holds = funded
    for _ in range(rounds):
        hold = await holds.authorize_transfer("alice", "bob", "5", expires_in_seconds=1)
        await asyncio.sleep(0.95)
        results = await asyncio.gather(
            holds.capture_transfer(hold.id),
            holds.void_transfer(hold.id),
            holds.expire(hold.id),
            return_exceptions=True,
        )
        final = await holds.get_pending_transfer(hold.id)
        assert final is not None
        assert final.status is not HoldStatus.PENDING
        wins = [r for r in results[:2] if not isinstance(r, BaseException)]
        assert all(isinstance(r, TransferNotPending) for r in results[:2] if r not in wins)
        if final.status is HoldStatus.EXPIRED:
            assert wins == []
        else:
            assert [w.status for w in wins] == [final.status]
    alice, bob = await ledger.get_account("alice"), await ledger.get_account("bob")
    assert alice.pending_debits == 0
    assert alice.balance + bob.balance == Decimal("100.00")
    verification = await ledger.integrity.verify_account("alice")  # type: ignore[union-attr]
    assert verification.ok, verification.problems


@pytest.mark.parametrize(
    ("amount", "error"),
    [
        ("0", InvalidAmount),
        ("-1", InvalidAmount),
        ("", InvalidAmount),
        ("1.001", InvalidAmount),
        ("1e40", InvalidAmount),
        ("100.01", InsufficientFunds),
    ],
)
async def test_bad_amounts_change_nothing(
    funded: tuple[Ledger, HoldService], settings: Settings, amount: str, error: type[LedgerError]
) -> None:
    _ledger, holds = funded
    before = await table_items(settings)
    with pytest.raises(error):
        await holds.authorize_transfer("alice", "bob", amount)
    assert await table_items(settings) == before


@pytest.mark.parametrize("seconds", [0, -1, 7 * 24 * 3600 + 1, 10**12])
async def test_expiry_out_of_range_is_refused(
    funded: tuple[Ledger, HoldService], seconds: int
) -> None:
    _, holds = funded
    with pytest.raises(InvalidInput) as raised:
        await holds.authorize_transfer("alice", "bob", "1", expires_in_seconds=seconds)
    assert raised.value.field == "expires_in_seconds"


async def test_holders_act_on_their_own_sources_only(
    funded: tuple[Ledger, HoldService], settings: Settings
) -> None:
    _ledger, holds = funded
    with pytest.raises(AccountNotFound):
        await holds.authorize_transfer("alice", "bob", "1", principal=BOB)
    with pytest.raises(SameAccount):
        await holds.authorize_transfer("alice", "alice", "1", principal=ALICE)
    with pytest.raises(AccountNotFound):
        await holds.authorize_transfer("alice", "nobody", "1", principal=ALICE)
    hold = await holds.authorize_transfer("alice", "bob", "1", principal=ALICE)
    before = await table_items(settings)
    with pytest.raises(Forbidden):  # bob sees it (he is paid) but may not capture it
        await holds.capture_transfer(hold.id, principal=BOB)
    with pytest.raises(Forbidden):
        await holds.void_transfer(hold.id, principal=BOB)
    mallory = Principal(subject="mallory", is_operator=False, method=AuthMethod.JWT)
    with pytest.raises(TransferNotFound):
        await holds.void_transfer(hold.id, principal=mallory)
    assert await holds.get_pending_transfer(hold.id, principal=mallory) is None
    with pytest.raises(TransferNotFound):
        await holds.capture_transfer("no-such-hold", principal=ALICE)
    assert await table_items(settings) == before
    assert balances_by_account(before) == {"alice": Decimal(100), "bob": Decimal(0)}


async def test_pending_transfers_page_and_filter(funded: tuple[Ledger, HoldService]) -> None:
    _, holds = funded
    made = [await holds.authorize_transfer("alice", "bob", "1") for _ in range(5)]
    await holds.void_transfer(made[1].id)
    page = await holds.pending_transfers("alice", 2)
    assert [h.id for h in page.holds] == [made[4].id, made[3].id]
    rest = await holds.pending_transfers("alice", 10, page.next_cursor)
    assert [h.id for h in rest.holds] == [made[2].id, made[1].id, made[0].id]
    assert rest.next_cursor is None
    pending = await holds.pending_transfers("alice", 10, status=HoldStatus.VOIDED)
    assert [h.id for h in pending.holds] == [made[1].id]
    with pytest.raises(AccountNotFound):
        await holds.pending_transfers("alice", 10, principal=BOB)
    with pytest.raises(InvalidInput):  # a hold id is not a cursor, nor another account's
        await holds.pending_transfers("alice", 10, made[0].id)
    bobs = await holds.pending_transfers("bob", 10)
    assert bobs.holds == []
    with pytest.raises(InvalidInput):
        await holds.pending_transfers("bob", 10, page.cursors[0])


async def test_a_hold_whose_sends_all_go_unanswered_is_outcome_unknown_then_replays_once(
    funded: tuple[Ledger, HoldService], monkeypatch: pytest.MonkeyPatch
) -> None:
    ledger, holds = funded
    store = holds._store
    real = store.commit_hold
    sends: list[int] = []

    async def lost_answers(*args: object, **kwargs: object) -> None:
        sends.append(1)
        if len(sends) == 1:
            await real(*args, **kwargs)  # type: ignore[arg-type]  # committed, answer lost
        raise TransientStoreError("read timeout")

    monkeypatch.setattr(store, "commit_hold", lost_answers)
    with pytest.raises(LedgerError) as unknown:
        await holds.authorize_transfer("alice", "bob", "10", idempotency_key="lost")
    assert unknown.value.code is ErrorCode.OUTCOME_UNKNOWN
    monkeypatch.setattr(store, "commit_hold", real)
    replay = await holds.authorize_transfer("alice", "bob", "10", idempotency_key="lost")
    assert replay.status is HoldStatus.PENDING
    assert (await ledger.get_account("alice")).pending_debits == Decimal("10.00")


async def test_a_rare_status_pages_within_a_bounded_read(
    funded: tuple[Ledger, HoldService], monkeypatch: pytest.MonkeyPatch
) -> None:
    from services.dynamo import hold_store

    monkeypatch.setattr(hold_store, "MAX_SCANNED", 3)
    monkeypatch.setattr(hold_store, "QUERY_PAGE", 2)
    _, holds = funded
    made = [await holds.authorize_transfer("alice", "bob", "1") for _ in range(7)]
    await holds.void_transfer(made[0].id)
    found: list[str] = []
    after: str | None = None
    for _ in range(5):  # each request reads at most 3 holds: short pages, then the void
        page = await holds.pending_transfers("alice", 10, after, status=HoldStatus.VOIDED)
        found += [h.id for h in page.holds]
        after = page.next_cursor
        if after is None:
            break
    assert found == [made[0].id]
    assert after is None


async def test_hold_operations_are_counted_by_outcome(funded: tuple[Ledger, HoldService]) -> None:
    from prometheus_client import REGISTRY

    _, holds = funded  # the composition root wrapped the use case (metrics are on by default)

    def count(operation: str, outcome: str) -> float:
        labels = {"operation": operation, "outcome": outcome}
        return REGISTRY.get_sample_value("ledger_holds_total", labels) or 0.0

    before = {(o, r): count(o, r) for o in ("authorize", "void") for r in ("committed",)}
    refused = count("authorize", "INSUFFICIENT_FUNDS")
    hold = await holds.authorize_transfer("alice", "bob", "1")
    with pytest.raises(InsufficientFunds):
        await holds.authorize_transfer("alice", "bob", "1000")
    await holds.void_transfer(hold.id)
    assert count("authorize", "committed") == before[("authorize", "committed")] + 1
    assert count("authorize", "INSUFFICIENT_FUNDS") == refused + 1
    assert count("void", "committed") == before[("void", "committed")] + 1


async def test_the_transaction_itself_refuses_a_reservation_planned_on_stale_pending_debits(
    funded: tuple[Ledger, HoldService], settings: Settings
) -> None:
    from dataclasses import replace

    from services.ledger.hold_planning import AuthorizeRequest, plan_authorize
    from services.ledger.ports import VersionConflict

    ledger, holds = funded
    await holds.authorize_transfer("alice", "bob", "80")
    alice, bob = await ledger.get_account("alice"), await ledger.get_account("bob")
    # Same version, but planned as if nothing were reserved: 90 more would overdraw.
    stale = replace(alice, pending_debits=Decimal(0))
    request = AuthorizeRequest(
        "H-stale", "E-stale", "alice", "bob", Decimal(90), 60, None, {}, None, None
    )
    plan = plan_authorize(request, stale, bob, ledger_clock)
    before = await table_items(settings)
    with pytest.raises(VersionConflict):
        await holds._store.commit_hold(plan, None, None)
    assert await table_items(settings) == before


def ledger_clock() -> datetime:
    return datetime.now(UTC)
