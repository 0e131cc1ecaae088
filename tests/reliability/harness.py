"""Shared parts of the process-level fault scenarios: accounts with both contacts, random
transfers, subscribers on every account, and what the providers received, per entry."""

from __future__ import annotations

import asyncio
import itertools
import random
import re
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from services.domain.events import BalanceChanged
from services.hub.feed import BalanceFeed
from services.ledger import Ledger
from tests.streams.support import SmsGateway, sent_mail

OPENING = Decimal("1000.00")
#: (account, transfer id) of an entry, as the messages spell it.
EntryKey = tuple[str, str]

_SMS = re.compile(r"^Ledger (\S+): .* Transfer (\S+), ")
_MAIL = re.compile(r"<th align='left'>Account</th><td>([^<]+)</td>.*Transfer id</th><td>([^<]+)<")


def accounts(count: int, prefix: str = "k") -> list[str]:
    return [f"{prefix}{n}" for n in range(count)]


def phone(index: int) -> str:
    return f"+1415555{index:04d}"


async def open_accounts(ledger: Ledger, ids: list[str], *, notified: int | None = None) -> None:
    """Open `ids`; the first `notified` (all by default) with an e-mail address and a phone."""
    for index, account_id in enumerate(ids):
        contacts = notified is None or index < notified
        await ledger.create_account_with_balance(
            account_id,
            OPENING,
            email=f"{account_id}@example.com" if contacts else None,
            phone=phone(index) if contacts else None,
        )


async def random_transfers(
    ledger: Ledger,
    ids: list[str],
    count: int,
    *,
    seed: int,
    concurrency: int = 8,
    after_each: Callable[[int], Awaitable[None]] | None = None,
) -> float:
    """`count` transfers of random amounts between random pairs. Returns the seconds taken."""
    rng = random.Random(seed)
    plan = [(*rng.sample(ids, 2), f"{rng.randint(1, 300) / 100:.2f}") for _ in range(count)]
    done = itertools.count(1)
    queue: asyncio.Queue[tuple[str, str, str]] = asyncio.Queue()
    for step in plan:
        queue.put_nowait(step)
    started = time.monotonic()

    async def sender() -> None:
        while not queue.empty():
            source, destination, amount = queue.get_nowait()
            await ledger.transfer_credits(source, destination, amount)
            if after_each is not None:
                await after_each(next(done))

    await asyncio.gather(*(sender() for _ in range(concurrency)))
    return time.monotonic() - started


@dataclass
class Subscribers:
    """One subscriber per account (from version 0), recording every change it is given."""

    seen: dict[str, list[BalanceChanged]] = field(default_factory=dict)
    tasks: list[asyncio.Task[None]] = field(default_factory=list)

    def watch(self, feed: BalanceFeed, ids: list[str]) -> None:
        for account_id in ids:
            seen = self.seen.setdefault(account_id, [])
            stream = feed.subscribe_balance(account_id, after_version=0)
            self.tasks.append(asyncio.create_task(_collect(stream, seen)))

    def caught_up(self, versions: dict[str, int]) -> bool:
        return all(len(self.seen[a]) >= v for a, v in versions.items())

    def check_gap_free(self, versions: dict[str, int]) -> None:
        for account_id, final in versions.items():
            got = [e.version for e in self.seen[account_id]]
            assert got == list(range(1, final + 1)), (account_id, got)
            balances = self.seen[account_id]
            for before, after in itertools.pairwise(balances):
                assert after.balance == before.balance + after.delta, account_id

    def stop(self) -> None:
        for task in self.tasks:
            task.cancel()


async def _collect(stream: AsyncIterator[BalanceChanged], seen: list[BalanceChanged]) -> None:
    async for event in stream:
        seen.append(event)


def sms_keys(gateway: SmsGateway) -> list[EntryKey]:
    with gateway.lock:
        texts = [m["text"] for m in gateway.received]
    return [_key(_SMS, text) for text in texts]


def mail_keys(endpoint: str) -> list[EntryKey]:
    return [_key(_MAIL, m["body"]) for m in sent_mail(endpoint)]


def _key(pattern: re.Pattern[str], text: str) -> EntryKey:
    match = pattern.search(text)
    assert match is not None, text
    return match.group(1), match.group(2)


async def final_versions(ledger: Ledger, ids: list[str]) -> dict[str, int]:
    found = await ledger.get_accounts(ids)
    return {account_id: found[account_id].version for account_id in ids}


async def wait_for(condition: Callable[[], Any], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not await _holds(condition):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {seconds}s waiting for {what}")
        await asyncio.sleep(0.2)


async def _holds(condition: Callable[[], Any]) -> bool:
    result = condition()
    if asyncio.iscoroutine(result):
        result = await result
    return bool(result)


def duplicates(keys: list[EntryKey]) -> dict[EntryKey, int]:
    return {key: n for key, n in Counter(keys).items() if n > 1}
