"""The chain in planning, without a store: links, heads and times that never go backwards."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from services.domain.model import Account
from services.identity.principal import SYSTEM
from services.integrity.chain import Digest, advance, genesis, genesis_hash
from services.ledger import chaining
from services.ledger.planning import TransferRequest, opening_entry, plan_request

NOW = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)


def opened(account_id: str, balance: str) -> Account:
    account = Account(account_id, Decimal(balance), "USD", NOW, 1 if Decimal(balance) else 0)
    opening = opening_entry(account, "E1", "T0", NOW) if account.balance else None
    return chaining.opened(account, opening)[0]


def request(amount: str = "1.00") -> TransferRequest:
    return TransferRequest(
        "T1", "D1", "C1", "alice", "bob", Decimal(amount), None, None, None, SYSTEM
    )


def test_opened_accounts_start_at_genesis() -> None:
    empty = opened("bob", "0")
    assert (empty.head_hash, empty.head_at) == (genesis_hash("bob"), NOW)
    funded = opened("alice", "10.00")
    assert funded.version == 1
    assert funded.head_hash != genesis_hash("alice")


def test_a_plan_links_both_entries_to_their_heads() -> None:
    alice, bob = opened("alice", "10.00"), opened("bob", "0")
    plan = plan_request(request(), alice, bob, lambda: NOW + timedelta(seconds=1))
    assert plan.debit.previous_hash == alice.head_hash
    assert plan.credit.previous_hash == genesis_hash("bob")
    assert Digest(2, str(plan.debit.hash)) == advance(Digest(1, str(alice.head_hash)), plan.debit)
    assert Digest(1, str(plan.credit.hash)) == advance(genesis("bob"), plan.credit)
    assert plan.source_after.head_hash == plan.debit.hash
    assert plan.destination_after.head_at == NOW + timedelta(seconds=1)
    assert (plan.transfer.debit_version, plan.transfer.credit_version) == (2, 1)


def test_a_lagging_clock_never_stamps_before_the_last_entry() -> None:
    later = NOW + timedelta(minutes=5)
    alice = replace(opened("alice", "10.00"), head_at=later)
    plan = plan_request(request(), alice, opened("bob", "0"), lambda: NOW)
    assert plan.transfer.created_at == later
    assert plan.debit.created_at == plan.credit.created_at == later


def test_an_unchained_account_stays_unchained() -> None:
    legacy = replace(opened("alice", "10.00"), head_hash=None, head_at=None)
    plan = plan_request(request(), legacy, opened("bob", "0"), lambda: NOW)
    assert (plan.debit.hash, plan.debit.previous_hash) == (None, None)
    assert plan.source_after.head_hash is None
    assert plan.credit.hash is not None
