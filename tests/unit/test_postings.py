"""Pure planning of N postings over M accounts: net effect, entries, overdraft, size."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from services.domain.errors import AccountNotFound, BatchTooLarge, InsufficientFunds
from services.domain.model import Account, Direction
from services.identity.principal import SYSTEM, AuthMethod, Principal
from services.ledger.postings import (
    ALWAYS_FITS,
    MAX_TRANSACTION_ITEMS,
    Posting,
    PostingRequest,
    check_size,
    fingerprint,
    plan_postings,
    transaction_items,
)

NOW = datetime(2026, 11, 30, tzinfo=UTC)
HOLDER = Principal(subject="alice-sub", is_operator=False, method=AuthMethod.JWT)


def account(
    account_id: str, balance: str, version: int = 1, limit: str | None = "0", owner: str = "o"
) -> Account:
    return Account(
        id=account_id,
        balance=Decimal(balance),
        currency="USD",
        created_at=NOW,
        version=version,
        owner_id=owner,
        overdraft_limit=None if limit is None else Decimal(limit),
    )


def posting(n: int, source: str, destination: str, amount: str) -> Posting:
    return Posting(
        transfer_id=f"T{n}",
        debit_id=f"D{n}",
        credit_id=f"C{n}",
        from_id=source,
        to_id=destination,
        amount=Decimal(amount),
        memo=None,
        metadata={},
    )


def request(*postings: Posting, principal: Principal = SYSTEM) -> PostingRequest:
    return PostingRequest(
        batch_id="B1",
        postings=postings,
        metadata={"run": "payroll"},
        key="k",
        fingerprint=fingerprint(postings, {"run": "payroll"}),
        principal=principal,
    )


def test_an_account_in_several_postings_is_one_change_with_its_net_effect() -> None:
    accounts = {
        "payer": account("payer", "10.00", version=3),
        "fees": account("fees", "0", version=0),
        "shop": account("shop", "5.00", version=7),
    }
    plan = plan_postings(
        request(
            posting(1, "payer", "shop", "8.00"),
            posting(2, "shop", "fees", "0.40"),
            posting(3, "payer", "fees", "2.00"),
        ),
        accounts,
        lambda: NOW,
    )
    changes = {change.before.id: change for change in plan.changes}
    assert [c.before.id for c in plan.changes] == ["fees", "payer", "shop"]
    assert {i: c.after.balance for i, c in changes.items()} == {
        "fees": Decimal("2.40"),
        "payer": Decimal("0.00"),
        "shop": Decimal("12.60"),
    }
    assert {i: c.after.version for i, c in changes.items()} == {"fees": 2, "payer": 5, "shop": 9}
    # Credits first: no entry shows a balance below what the commit allows.
    shop = changes["shop"].entries
    assert [(e.direction, e.balance_after, e.version) for e in shop] == [
        (Direction.CREDIT, Decimal("13.00"), 8),
        (Direction.DEBIT, Decimal("12.60"), 9),
    ]
    assert sum(c.net for c in plan.changes) == 0
    assert plan.item_count == 3 + 3 * 3 + 2
    assert all(t.batch_id == "B1" and t.idempotency_key == "k" for t in plan.batch.transfers)
    assert changes["payer"].floor == Decimal("10.00")
    assert changes["shop"].floor is None  # a net credit needs no balance condition


def test_the_overdraft_rule_holds_on_the_net_effect() -> None:
    accounts = {"a": account("a", "1.00", limit="5.00"), "b": account("b", "0")}
    # a pays 7 and gets 1 back: net -6, within 1 + 5.
    plan = plan_postings(
        request(posting(1, "a", "b", "7.00"), posting(2, "b", "a", "1.00")), accounts, lambda: NOW
    )
    assert {c.before.id: c.after.balance for c in plan.changes}["a"] == Decimal("-5.00")
    with pytest.raises(InsufficientFunds):
        plan_postings(request(posting(1, "a", "b", "6.01")), accounts, lambda: NOW)
    external = {"bank": account("bank", "0", limit=None), "b": account("b", "0")}
    plan = plan_postings(request(posting(1, "bank", "b", "1000000")), external, lambda: NOW)
    assert [c.floor for c in plan.changes] == [None, None]


def test_a_holder_debits_only_its_own_accounts_in_every_leg() -> None:
    accounts = {
        "mine": account("mine", "10", owner="alice-sub"),
        "theirs": account("theirs", "10", owner="bob-sub"),
    }
    plan_postings(
        request(posting(1, "mine", "theirs", "1"), principal=HOLDER), accounts, lambda: NOW
    )
    with pytest.raises(AccountNotFound) as raised:
        plan_postings(
            request(
                posting(1, "mine", "theirs", "1"),
                posting(2, "theirs", "mine", "1"),
                principal=HOLDER,
            ),
            accounts,
            lambda: NOW,
        )
    assert raised.value.account_id == "theirs"


def test_the_largest_batch_is_computed_from_dynamodbs_item_cap() -> None:
    assert ALWAYS_FITS == 19
    assert transaction_items(ALWAYS_FITS, 2 * ALWAYS_FITS) <= MAX_TRANSACTION_ITEMS
    assert transaction_items(ALWAYS_FITS + 1, 2 * (ALWAYS_FITS + 1)) > MAX_TRANSACTION_ITEMS
    check_size(32, 2)  # 2 + 96 + 2 = 100
    with pytest.raises(BatchTooLarge) as raised:
        check_size(33, 2)
    assert raised.value.field == "transfers"
    assert "103 items" in raised.value.message


def test_the_fingerprint_compares_amounts_by_value_and_legs_in_order() -> None:
    one, two = posting(1, "a", "b", "1.50"), posting(2, "b", "c", "2")
    assert fingerprint([one, two], {}) == fingerprint(
        [posting(9, "a", "b", "1.5"), posting(8, "b", "c", "2.00")], {}
    )
    assert fingerprint([one, two], {}) != fingerprint([two, one], {})
    assert fingerprint([one], {}) != fingerprint([one], {"x": "y"})
