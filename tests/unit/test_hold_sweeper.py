"""The expiry sweeper with fakes: which hours a round reads, and when its backlog moves on."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from services.domain.errors import LedgerUnavailable
from services.domain.holds import HoldStatus, PendingTransfer
from services.ledger.expiry import HOUR, HoldSweeper

NOW = datetime(2026, 11, 30, 4, 30, tzinfo=UTC)


@dataclass
class FakeDue:
    #: hour -> ids filed under it
    filed: dict[datetime, list[str]] = field(default_factory=dict)
    reads: list[datetime] = field(default_factory=list)

    async def due_in_hour(self, hour: datetime, now: datetime, limit: int) -> list[str]:
        self.reads.append(hour)
        return self.filed.get(hour, [])[:limit]


@dataclass
class FakeHolds:
    due: FakeDue
    failing: set[str] = field(default_factory=set)
    expired: list[str] = field(default_factory=list)

    async def expire(self, hold_id: str) -> PendingTransfer:
        if hold_id in self.failing:
            raise LedgerUnavailable("DynamoDB kept failing")
        self.expired.append(hold_id)
        for ids in self.due.filed.values():
            if hold_id in ids:
                ids.remove(hold_id)  # the expiry deletes the due item
        return PendingTransfer(hold_id, "a", "b", Decimal(1), "USD", HoldStatus.EXPIRED, NOW, NOW)


def sweeper(due: FakeDue, holds: FakeHolds, **options: object) -> HoldSweeper:
    return HoldSweeper(holds, due, clock=lambda: NOW, **options)  # type: ignore[arg-type]


async def test_a_new_sweeper_walks_its_lookback_a_few_hours_a_round() -> None:
    due = FakeDue({NOW.replace(minute=0) - 5 * HOUR: ["old"], NOW.replace(minute=0): ["new"]})
    holds = FakeHolds(due)
    sweep = sweeper(due, holds, lookback=timedelta(hours=10), hours_per_round=4)
    assert await sweep.sweep_once() == 1  # the newest hour is read from the first round
    assert holds.expired == ["new"]
    assert len(due.reads) == 4 + 2
    assert await sweep.sweep_once() == 1
    assert holds.expired == ["new", "old"]
    for _ in range(3):
        due.reads.clear()
        await sweep.sweep_once()
    # Every past hour is known empty: a round reads the current hour alone.
    assert due.reads == [NOW.replace(minute=0)]


async def test_an_hour_with_a_failed_expiry_is_read_again() -> None:
    hour = NOW.replace(minute=0) - 3 * HOUR
    due = FakeDue({hour: ["stuck", "fine"]})
    holds = FakeHolds(due, failing={"stuck"})
    sweep = sweeper(due, holds, lookback=timedelta(hours=4))
    assert await sweep.sweep_once() == 1
    holds.failing.clear()
    due.reads.clear()
    assert await sweep.sweep_once() == 1
    assert due.reads[0] == hour
    assert holds.expired == ["fine", "stuck"]
