from __future__ import annotations

import math
from dataclasses import replace
from datetime import datetime, timedelta
from decimal import Decimal

import pytest

from services.domain.errors import InvalidInput
from services.integrity.chain import EntryFields
from services.integrity.point_in_time import (
    BalancePoint,
    balance_at_time,
    balance_at_version,
    commit_time,
)
from tests.integrity.builders import START, history


class CountingReader:
    """An in-memory EntryReader that counts its reads."""

    def __init__(self, entries: list[EntryFields]) -> None:
        self.entries = entries
        self.reads = 0

    async def head_version(self) -> int:
        self.reads += 1
        return len(self.entries)

    async def entry_at(self, version: int) -> EntryFields:
        self.reads += 1
        if not 1 <= version <= len(self.entries):
            raise LookupError(version)
        return self.entries[version - 1]


def reader(count: int) -> CountingReader:
    return CountingReader(list(history(count=count)[1]))


async def test_by_version_is_one_read() -> None:
    source = reader(20)
    assert await balance_at_version(source, 7) == BalancePoint(7, source.entries[6].balance_after)
    assert source.reads == 1
    assert await balance_at_version(source, 0) == BalancePoint(0, Decimal(0))
    assert source.reads == 1


@pytest.mark.parametrize("version", [-1, 21])
async def test_by_version_refuses_what_the_account_never_had(version: int) -> None:
    with pytest.raises(InvalidInput):
        await balance_at_version(reader(20), version)


@pytest.mark.parametrize("count", [1, 2, 3, 7, 64, 1000])
async def test_by_time_finds_the_last_entry_at_or_before_in_log_reads(count: int) -> None:
    source = reader(count)
    bound = math.ceil(math.log2(count)) + 2
    # Entry v is at START + v minutes: probe exactly on each entry and just before it.
    sample = (1, count // 3, count // 2, count - 1, count)
    versions = range(1, count + 1) if count <= 64 else sorted(set(sample))
    for version in versions:
        for at, expected in (
            (START + timedelta(minutes=version), version),
            (START + timedelta(minutes=version, microseconds=-1), version - 1),
        ):
            source.reads = 0
            balance = source.entries[expected - 1].balance_after if expected else Decimal(0)
            assert await balance_at_time(source, at) == BalancePoint(expected, balance)
            assert source.reads <= bound


async def test_by_time_now_costs_two_reads_and_before_opening_is_zero() -> None:
    source = reader(1000)
    assert (await balance_at_time(source, START + timedelta(days=30))).version == 1000
    assert source.reads == 2
    assert await balance_at_time(source, START) == BalancePoint(0, Decimal(0))
    assert await balance_at_time(reader(0), START) == BalancePoint(0, Decimal(0))


async def test_equal_times_resolve_to_the_last_entry_of_that_moment() -> None:
    source = reader(10)
    # Both sides of a same-account batch, or a clamped clock, share one timestamp.
    same = START + timedelta(minutes=4)
    source.entries = [
        replace(e, created_at=same) if 4 <= e.version <= 8 else e  # type: ignore[type-var]
        for e in source.entries
    ]
    assert (await balance_at_time(source, same)).version == 8


async def test_naive_moments_are_refused() -> None:
    with pytest.raises(InvalidInput):
        await balance_at_time(reader(3), datetime(2024, 5, 1))


def test_commit_time_never_goes_back() -> None:
    later = START + timedelta(seconds=1)
    assert commit_time(START) == START
    assert commit_time(START, later, START) == later
    assert commit_time(later, START) == later
