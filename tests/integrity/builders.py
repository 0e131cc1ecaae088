"""Histories for the integrity tests: well-formed chains built the way a commit would."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from services.domain.model import Direction, Entry
from services.integrity.chain import Digest, LinkedEntry, advance, genesis, link
from services.integrity.verify import AccountHead

START = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


def entry(**changes: object) -> Entry:
    """The golden entry, or a variant of it."""
    base = Entry(
        id="01HZX3Y8J7K6M5N4P3Q2R1S0TV",
        transfer_id="01HZX3Y8J7K6M5N4P3Q2R1S0TW",
        account_id="alice",
        counterparty_id="bob",
        direction=Direction.DEBIT,
        amount=Decimal("12.50"),
        balance_after=Decimal("87.50"),
        version=42,
        currency="USD",
        created_at=datetime(2024, 5, 1, 12, 0, 0, 123456, tzinfo=UTC),
        memo="rent",
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def history(
    account_id: str = "alice", count: int = 10, currency: str = "USD"
) -> tuple[AccountHead, list[LinkedEntry]]:
    """An account's head and `count` linked entries: an opening credit, then alternating
    debits and credits a minute apart."""
    head = genesis(account_id)
    balance = Decimal(0)
    entries = []
    for version in range(1, count + 1):
        direction = Direction.CREDIT if version % 3 != 2 else Direction.DEBIT
        amount = Decimal(version) + Decimal("0.25")
        balance += amount if direction is Direction.CREDIT else -amount
        plain = Entry(
            id=f"E{version}",
            transfer_id=f"T{version}",
            account_id=account_id,
            counterparty_id=None if version == 1 else "bob",
            direction=direction,
            amount=amount,
            balance_after=balance,
            version=version,
            currency=currency,
            created_at=START + timedelta(minutes=version),
            memo="opening balance" if version == 1 else f"memo {version}",
        )
        following = advance(head, plain)
        entries.append(link(plain, hash=following.hash, previous_hash=head.hash))
        head = following
    return AccountHead(account_id, head.version, balance, currency, head.hash), entries


def rechain(entries: list[LinkedEntry], start: int) -> list[LinkedEntry]:
    """What a careful forger does: recompute the links from index `start` to the end."""
    out = entries[:start]
    previous = out[-1].hash if out else None
    for item in entries[start:]:
        assert previous is not None or item.version == 1
        prior = previous if previous is not None else item.previous_hash
        assert prior is not None
        following = advance(Digest(item.version - 1, prior), item)
        out.append(replace(item, hash=following.hash, previous_hash=prior))
        previous = following.hash
    return out
