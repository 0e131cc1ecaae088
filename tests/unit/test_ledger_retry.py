"""The transfer write path's retries, against an in-memory store: no retry moves money twice."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any, cast

import pytest

from services.domain.errors import (
    AccountBusy,
    AccountNotFound,
    ErrorCode,
    IdempotencyConflict,
    InsufficientFunds,
    OutcomeUnknown,
)
from services.domain.model import Transfer
from services.dynamo.store import DynamoLedgerStore, request_token
from services.ledger import Ledger
from services.ledger.planning import TransferPlan
from services.ledger.ports import TransferAlreadyCommitted
from services.settings import Settings
from tests.unit.fakes import FakeLedgerStore, Outcome

MAX_ATTEMPTS = 4


class TickingClock:
    """A second passes at every reading: a re-planned transfer would show a new timestamp."""

    def __init__(self) -> None:
        self._now = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        self._now += timedelta(seconds=1)
        return self._now


def make_ledger(store: FakeLedgerStore, account_cache_size: int = 10_000) -> Ledger:
    settings = Settings(
        transfer_max_attempts=MAX_ATTEMPTS,
        retry_base_delay_seconds=0,
        retry_max_delay_seconds=0,
        default_currency="USD",
        account_cache_size=account_cache_size,
    )
    return Ledger(store, settings, clock=TickingClock())


@pytest.fixture
def store() -> FakeLedgerStore:
    return FakeLedgerStore()


@pytest.fixture(params=[0, 10_000], ids=["read-first", "cached"])
def account_cache_size(request: pytest.FixtureRequest) -> int:
    """Every retry path runs both ways: planned from a current read and from the cache."""
    return int(request.param)


@pytest.fixture
async def ledger(store: FakeLedgerStore, account_cache_size: int) -> Ledger:
    ledger = make_ledger(store, account_cache_size)
    await ledger.create_account_with_balance("alice", "100.00")
    await ledger.create_account_with_balance("bob", "0")
    return ledger


def wire_payload(plan: TransferPlan) -> list[dict[str, Any]]:
    """What the DynamoDB adapter would send for this plan (its writes need no client)."""
    adapter = DynamoLedgerStore(cast(Any, None), "ledger", cast(Any, None))
    return adapter._transfer_writes(plan)


def assert_books_balance(store: FakeLedgerStore) -> None:
    for account_id, account in store.accounts.items():
        entries = store.entries[account_id]
        assert sum((e.delta for e in entries), Decimal(0)) == account.balance
        assert [e.version for e in entries] == list(range(1, account.version + 1))


def balances(store: FakeLedgerStore) -> dict[str, Decimal]:
    return {i: a.balance for i, a in store.accounts.items()}


async def test_transient_failure_resends_the_very_same_plan(
    ledger: Ledger, store: FakeLedgerStore
) -> None:
    store.commit_script.extend([Outcome.FAIL, Outcome.FAIL])

    moved = await ledger.transfer_credits("alice", "bob", "30", idempotency_key="k1")

    assert len(store.sent) == 3
    first = store.sent[0]
    assert all(plan == first for plan in store.sent)
    payloads = [wire_payload(plan) for plan in store.sent]
    assert all(payload == payloads[0] for payload in payloads)
    assert len({request_token(payload) for payload in payloads}) == 1
    assert moved == first.transfer == store.transfers[moved.id]
    assert balances(store) == {"alice": Decimal("70.00"), "bob": Decimal("30.00")}
    assert len(store.transfers) == 1
    assert_books_balance(store)


async def test_a_lost_answer_is_not_applied_twice(ledger: Ledger, store: FakeLedgerStore) -> None:
    store.commit_script.append(Outcome.LOSE_ANSWER)

    moved = await ledger.transfer_credits("alice", "bob", "30")

    assert len(store.sent) == 2
    assert store.sent[0] == store.sent[1]
    assert moved == store.transfers[moved.id]
    assert balances(store) == {"alice": Decimal("70.00"), "bob": Decimal("30.00")}
    assert len(store.transfers) == 1
    assert_books_balance(store)


async def test_already_committed_is_success_with_the_planned_transfer(
    ledger: Ledger, store: FakeLedgerStore
) -> None:
    async def earlier_attempt_won() -> None:
        raise TransferAlreadyCommitted(store.sent[-1].transfer.id)

    store.commit_script.append(earlier_attempt_won)

    moved = await ledger.transfer_credits("alice", "bob", "12.5", memo="lunch")

    assert len(store.sent) == 1
    assert moved == store.sent[0].transfer
    assert (moved.from_account_id, moved.to_account_id, moved.amount, moved.memo) == (
        "alice",
        "bob",
        Decimal("12.50"),
        "lunch",
    )


async def test_version_conflict_replans_from_the_fresh_state(
    ledger: Ledger, store: FakeLedgerStore, account_cache_size: int
) -> None:
    async def another_process_deposits() -> None:
        store.deposit("alice", Decimal("5.00"))
        store.deposit("bob", Decimal("1.00"))

    store.commit_script.append(another_process_deposits)
    loads_before = store.loads

    moved = await ledger.transfer_credits("alice", "bob", "30")

    stale, current = store.sent
    assert stale.source_before.version == 1
    assert current.source_before.version == 2
    assert current.source_before.balance == Decimal("105.00")
    assert current.destination_before.version == 1
    assert (current.debit.version, current.debit.balance_after) == (3, Decimal("75.00"))
    assert (current.credit.version, current.credit.balance_after) == (2, Decimal("31.00"))
    # The retry is the same transfer: its ids survive re-planning.
    assert current.transfer.id == stale.transfer.id == moved.id
    assert (current.debit.id, current.credit.id) == (stale.debit.id, stale.credit.id)
    # The conflict carried the current accounts: no extra read was needed (and none at all when
    # the accounts were known from this process's own writes).
    assert store.loads == loads_before + (1 if account_cache_size == 0 else 0)
    assert balances(store) == {"alice": Decimal("75.00"), "bob": Decimal("31.00")}
    assert len(store.transfers) == 1
    assert_books_balance(store)


async def test_version_conflict_that_drains_the_source_is_insufficient_funds(
    ledger: Ledger, store: FakeLedgerStore
) -> None:
    async def another_process_withdraws() -> None:
        store.deposit("alice", Decimal("-90.00"))

    store.commit_script.append(another_process_withdraws)

    with pytest.raises(InsufficientFunds):
        await ledger.transfer_credits("alice", "bob", "30")

    assert len(store.sent) == 1
    assert store.transfers == {}
    assert balances(store) == {"alice": Decimal("10.00"), "bob": Decimal("0.00")}


async def test_version_conflict_with_a_vanished_destination_is_account_not_found(
    ledger: Ledger, store: FakeLedgerStore
) -> None:
    async def destination_disappears() -> None:
        del store.accounts["bob"]

    store.commit_script.append(destination_disappears)

    with pytest.raises(AccountNotFound) as raised:
        await ledger.transfer_credits("alice", "bob", "30")

    assert raised.value.field == "to_id"
    assert store.transfers == {}
    assert store.accounts["alice"].balance == Decimal("100.00")


@pytest.mark.parametrize("reports_record", [True, False])
async def test_key_taken_by_the_same_request_replays_the_stored_transfer(
    ledger: Ledger, store: FakeLedgerStore, reports_record: bool
) -> None:
    store.reports_taken_record = reports_record
    other_process = make_ledger(store)
    winner: list[Transfer] = []

    async def other_process_commits_first() -> None:
        winner.append(
            await other_process.transfer_credits(
                "alice", "bob", "30.00", idempotency_key="k", memo="m"
            )
        )

    store.commit_script.append(other_process_commits_first)

    moved = await ledger.transfer_credits("alice", "bob", "30", idempotency_key="k", memo="m")

    assert moved == winner[0] == store.transfers[winner[0].id]
    assert moved.id != store.sent[0].transfer.id
    assert len(store.transfers) == 1
    assert balances(store) == {"alice": Decimal("70.00"), "bob": Decimal("30.00")}
    assert_books_balance(store)


async def test_key_taken_by_a_different_request_is_a_conflict(
    ledger: Ledger, store: FakeLedgerStore
) -> None:
    other_process = make_ledger(store)

    async def other_process_commits_first() -> None:
        await other_process.transfer_credits("alice", "bob", "31", idempotency_key="k")

    store.commit_script.append(other_process_commits_first)

    with pytest.raises(IdempotencyConflict):
        await ledger.transfer_credits("alice", "bob", "30", idempotency_key="k")

    assert len(store.transfers) == 1
    assert balances(store) == {"alice": Decimal("69.00"), "bob": Decimal("31.00")}


async def test_a_recorded_key_replays_without_writing(
    ledger: Ledger, store: FakeLedgerStore, account_cache_size: int
) -> None:
    first = await ledger.transfer_credits("alice", "bob", "30", idempotency_key="k")
    again = await ledger.transfer_credits("alice", "bob", "30.000", idempotency_key="k")

    assert again == first
    with pytest.raises(IdempotencyConflict):
        await ledger.transfer_credits("alice", "bob", "30", idempotency_key="k", memo="changed")
    # Read first, the stored key is seen before any commit. Planned from the cache, the first
    # replay sends one commit that the idempotency item's condition refuses (nothing is
    # written), after which the accounts are read again like any unknown state.
    assert len(store.sent) == (1 if account_cache_size == 0 else 2)
    assert list(store.transfers) == [first.id]
    assert balances(store) == {"alice": Decimal("70.00"), "bob": Decimal("30.00")}
    assert_books_balance(store)


async def test_attempts_exhausted_on_ambiguous_errors_raise_outcome_unknown(
    ledger: Ledger, store: FakeLedgerStore
) -> None:
    # A transient error cannot say whether the commit happened: the caller must retry with
    # the same idempotency key, so it is told so (not a masked internal error).
    store.commit_script.extend([Outcome.FAIL] * MAX_ATTEMPTS)

    with pytest.raises(OutcomeUnknown):
        await ledger.transfer_credits("alice", "bob", "30")

    assert len(store.sent) == MAX_ATTEMPTS
    assert store.transfers == {}
    assert balances(store) == {"alice": Decimal("100.00"), "bob": Decimal("0.00")}


async def test_one_attempt_short_of_exhaustion_succeeds(
    ledger: Ledger, store: FakeLedgerStore
) -> None:
    store.commit_script.extend([Outcome.FAIL] * (MAX_ATTEMPTS - 1))

    await ledger.transfer_credits("alice", "bob", "30")

    assert len(store.sent) == MAX_ATTEMPTS
    assert len(store.transfers) == 1


async def test_account_creation_whose_answer_was_lost_succeeds_once(
    store: FakeLedgerStore,
) -> None:
    ledger = make_ledger(store)
    store.create_script.append(Outcome.LOSE_ANSWER)

    account = await ledger.create_account_with_balance("carol", "5.00")

    assert store.accounts["carol"] == account
    assert len(store.entries["carol"]) == 1
    assert_books_balance(store)


async def test_a_known_pair_commits_without_reading(store: FakeLedgerStore) -> None:
    ledger = make_ledger(store)
    await ledger.create_account_with_balance("alice", "100.00")
    await ledger.create_account_with_balance("bob", "0")
    loads_before = store.loads

    for _ in range(3):
        await ledger.transfer_credits("alice", "bob", "10")

    assert store.loads == loads_before
    assert len(store.sent) == 3
    assert balances(store) == {"alice": Decimal("70.00"), "bob": Decimal("30.00")}
    assert_books_balance(store)


async def test_a_refusal_from_stale_knowledge_is_checked_against_the_table(
    store: FakeLedgerStore,
) -> None:
    ledger = make_ledger(store)
    await ledger.create_account_with_balance("alice", "10.00")
    await ledger.create_account_with_balance("bob", "0")
    store.deposit("alice", Decimal("90.00"))  # another process: this one still believes 10.00

    moved = await ledger.transfer_credits("alice", "bob", "50")

    assert moved.amount == Decimal("50.00")
    assert balances(store) == {"alice": Decimal("50.00"), "bob": Decimal("50.00")}
    assert_books_balance(store)


async def test_a_real_refusal_is_still_refused_after_the_check(store: FakeLedgerStore) -> None:
    ledger = make_ledger(store)
    await ledger.create_account_with_balance("alice", "10.00")
    await ledger.create_account_with_balance("bob", "0")
    loads_before = store.loads

    with pytest.raises(InsufficientFunds):
        await ledger.transfer_credits("alice", "bob", "50")

    assert store.loads == loads_before + 1  # confirmed against the table before refusing
    assert store.sent == []


async def test_a_stale_key_of_another_process_replays(store: FakeLedgerStore) -> None:
    """Planned from the cache, a key another process already used is found by the commit."""
    other, ledger = make_ledger(store), make_ledger(store)
    await ledger.create_account_with_balance("alice", "100.00")
    await ledger.create_account_with_balance("bob", "0")
    first = await other.transfer_credits("alice", "bob", "30", idempotency_key="k")

    again = await ledger.transfer_credits("alice", "bob", "30", idempotency_key="k")

    assert again == first
    assert list(store.transfers) == [first.id]
    assert balances(store) == {"alice": Decimal("70.00"), "bob": Decimal("30.00")}


async def test_a_transfer_beyond_the_accounts_queue_is_refused_at_once(
    store: FakeLedgerStore,
) -> None:
    settings = Settings(default_currency="USD", transfer_max_waiting_per_account=3)
    ledger = Ledger(store, settings, clock=TickingClock())
    await ledger.create_account_with_balance("alice", "100.00")
    await ledger.create_account_with_balance("bob", "0")
    gate = asyncio.Event()
    commit = store.commit_transfer

    async def slow_commit(plan: TransferPlan) -> None:
        await gate.wait()
        await commit(plan)

    store.commit_transfer = slow_commit  # type: ignore[method-assign]
    queued = [asyncio.create_task(ledger.transfer_credits("alice", "bob", "1")) for _ in range(4)]
    await asyncio.sleep(0.01)
    with pytest.raises(AccountBusy) as busy:
        await asyncio.wait_for(ledger.transfer_credits("alice", "bob", "1"), timeout=1)
    assert (busy.value.code, busy.value.field) == (ErrorCode.ACCOUNT_BUSY, "from_id")
    gate.set()
    assert len(await asyncio.gather(*queued)) == 4
    assert (await ledger.get_account("bob")).balance == Decimal("4.00")  # type: ignore[union-attr]
