"""The per-process account cache: bounded, least recently used first out, never stepping back."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal

from services.domain.model import Account
from services.ledger.cache import AccountCache


def account(account_id: str, version: int = 1) -> Account:
    return Account(
        id=account_id,
        balance=Decimal(version),
        currency="USD",
        created_at=datetime(2026, 1, 1, tzinfo=UTC),
        version=version,
    )


def test_least_recently_used_goes_first() -> None:
    cache = AccountCache(2)
    cache.put(account("a"))
    cache.put(account("b"))
    assert cache.get("a") is not None  # a is now the most recent
    cache.put(account("c"))
    assert cache.get("b") is None
    assert cache.get("a") is not None
    assert cache.get("c") is not None
    assert len(cache) == 2


def test_the_latest_put_wins() -> None:
    cache = AccountCache(10)
    cache.put(account("a", version=5))
    recreated = account("a", version=1)  # the table was reset and the account opened again
    cache.put(recreated)
    assert cache.get("a") == recreated
    newer = replace(account("a", version=2), balance=Decimal("1.23"))
    cache.put(newer)
    assert cache.get("a") == newer


def test_forget_and_disabled() -> None:
    cache = AccountCache(10)
    cache.put(account("a"))
    cache.forget("a")
    cache.forget("never-there")
    assert cache.get("a") is None
    off = AccountCache(0)
    off.put(account("a"))
    assert off.get("a") is None
    assert len(off) == 0
