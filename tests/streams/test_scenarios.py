"""Whole scenarios: a worker stopped mid-batch and restarted, subscribers across the seam,
replicas sharing Redis while Redis restarts, SMS through SNS."""

from __future__ import annotations

import asyncio
import itertools
import random
from collections.abc import AsyncIterator
from decimal import Decimal

import pytest

from services.bootstrap import Services, bootstrap
from services.domain.events import BalanceChanged
from services.hub import InProcessHub
from services.settings import Settings
from tests.streams.conftest import verify_sender
from tests.streams.support import RedisServer, SmsGateway, sent_mail, sent_sms

ACCOUNTS = [f"acct-{i}" for i in range(8)]


def phone(index: int) -> str:
    return f"+1415555{index:04d}"


async def open_accounts(services: Services) -> None:
    for index, account in enumerate(ACCOUNTS):
        await services.ledger.create_account_with_balance(
            account,
            "1000.00",
            email=f"{account}@example.com",
            phone=phone(index) if index % 2 == 0 else None,
        )


async def random_transfers(services: Services, count: int, seed: int) -> None:
    rng = random.Random(seed)

    async def one() -> None:
        source, destination = rng.sample(ACCOUNTS, 2)
        amount = Decimal(rng.randint(1, 500)) / 100
        await services.ledger.transfer_credits(source, destination, amount)

    await asyncio.gather(*(one() for _ in range(count)))


async def watch(stream: AsyncIterator[BalanceChanged], seen: list[BalanceChanged]) -> None:
    async for event in stream:
        seen.append(event)


async def until(condition, seconds: float = 30.0) -> None:  # type: ignore[no-untyped-def]
    deadline = asyncio.get_running_loop().time() + seconds
    while not condition():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.02)


def assert_contiguous(events: list[BalanceChanged], first: int, last: int) -> None:
    assert [e.version for e in events] == list(range(first, last + 1))
    for before, after in itertools.pairwise(events):
        assert after.balance == before.balance + after.delta
        assert after.balance >= 0


async def test_worker_stopped_mid_batch_and_restarted_loses_and_repeats_nothing(
    stream_settings: Settings, sms_gateway: SmsGateway
) -> None:
    await verify_sender(stream_settings)
    quiet = stream_settings.model_copy(update={"notify_email": False, "notify_sms": False})
    hub = InProcessHub(capacity=10_000)
    # The serving process: its hub and feed outlive the two workers that publish into it.
    async with bootstrap(quiet, hub=hub) as server:
        await open_accounts(server)
        assert server.balances is not None
        feed = server.balances
        early: dict[str, list[BalanceChanged]] = {a: [] for a in ACCOUNTS}
        late: dict[str, list[BalanceChanged]] = {a: [] for a in ACCOUNTS}
        watchers = [
            asyncio.create_task(watch(feed.subscribe_balance(a, after_version=0), early[a]))
            for a in ACCOUNTS
        ]
        async with bootstrap(stream_settings, hub=hub) as first:
            assert first.stream_worker is not None
            worker = asyncio.create_task(first.stream_worker.run())
            await random_transfers(server, 100, seed=1)
            await until(lambda: sum(len(e) for e in early.values()) > 50)
            worker.cancel()  # in the middle of whatever batch it was in
            with pytest.raises(asyncio.CancelledError):
                await worker
        await random_transfers(server, 100, seed=2)
        watchers += [
            asyncio.create_task(watch(feed.subscribe_balance(a, after_version=3), late[a]))
            for a in ACCOUNTS
        ]

        async with bootstrap(stream_settings, hub=hub) as second:
            assert second.stream_worker is not None
            assert second.notifier is not None
            await second.stream_worker.catch_up()
            await second.notifier.drain()
            failed = await second.notifier.failed()
        accounts = await server.ledger.get_accounts(ACCOUNTS)
        await until(lambda: all(len(early[a]) == accounts[a].version for a in ACCOUNTS))
        await until(lambda: all(len(late[a]) == accounts[a].version - 3 for a in ACCOUNTS))
        for watcher in watchers:
            watcher.cancel()

    assert failed == []
    assert sum(a.balance for a in accounts.values()) == Decimal("8000.00")
    for account_id, account in accounts.items():
        assert_contiguous(early[account_id], 1, account.version)
        assert_contiguous(late[account_id], 4, account.version)
        assert early[account_id][-1].balance == account.balance
    endpoint = stream_settings.endpoint_url
    assert endpoint is not None
    mail = sent_mail(endpoint)
    for account_id, account in accounts.items():
        to_account = [
            m for m in mail if m["destinations"]["ToAddresses"][0] == account_id + "@example.com"
        ]
        assert len(to_account) == account.version, account_id
    assert len(mail) == sum(a.version for a in accounts.values())
    for index, account_id in enumerate(ACCOUNTS):
        expected = accounts[account_id].version if index % 2 == 0 else 0
        assert len(sms_gateway.texts_to(phone(index))) == expected


async def test_replicas_sharing_redis_see_every_change_through_a_redis_restart(
    stream_settings: Settings, redis_server: RedisServer
) -> None:
    settings = stream_settings.model_copy(
        update={"redis_url": redis_server.url, "notify_email": False, "notify_sms": False}
    )
    async with (
        bootstrap(settings) as worker_process,
        bootstrap(settings) as replica_one,
        bootstrap(settings) as replica_two,
    ):
        await open_accounts(worker_process)
        assert replica_one.balances is not None
        assert replica_two.balances is not None
        seen_one: list[BalanceChanged] = []
        seen_two: list[BalanceChanged] = []
        seen_other: list[BalanceChanged] = []
        watchers = [
            asyncio.create_task(watch(replica_one.balances.subscribe_balance("acct-0"), seen_one)),
            asyncio.create_task(watch(replica_two.balances.subscribe_balance("acct-0"), seen_two)),
            asyncio.create_task(
                watch(replica_two.balances.subscribe_balance("acct-7"), seen_other)
            ),
        ]
        await asyncio.sleep(0.2)
        assert worker_process.stream_worker is not None
        worker = asyncio.create_task(worker_process.stream_worker.run())
        try:
            for round_number in range(3):
                for _ in range(5):
                    await worker_process.ledger.transfer_credits("acct-0", "acct-1", "1.00")
                    await worker_process.ledger.transfer_credits("acct-2", "acct-0", "0.50")
                if round_number == 1:
                    redis_server.stop()  # killed for a moment while changes keep coming
                    await asyncio.sleep(0.3)
                    redis_server.start()
                await asyncio.sleep(0.2)
            final = (await worker_process.ledger.get_account("acct-0")).version
            await until(lambda: len(seen_one) == final - 1 and len(seen_two) == final - 1)
        finally:
            worker.cancel()
            for watcher in watchers:
                watcher.cancel()
        assert_contiguous(seen_one, 2, final)
        assert [e.entry.id for e in seen_one] == [e.entry.id for e in seen_two]
        assert seen_other == []


async def test_sms_through_sns(stream_settings: Settings) -> None:
    settings = stream_settings.model_copy(update={"sms_provider": "sns", "notify_email": False})
    async with bootstrap(settings) as services:
        await services.ledger.create_account_with_balance("a", "10.00", phone="+14155550100")
        await services.ledger.create_account_with_balance("b", "0")
        await services.ledger.transfer_credits("a", "b", "2.50")
        assert services.stream_worker is not None
        assert services.notifier is not None
        await services.stream_worker.catch_up()
        await services.notifier.drain()
    endpoint = settings.endpoint_url
    assert endpoint is not None
    sms = sent_sms(endpoint)
    assert [m["phone_number"] for m in sms] == ["+14155550100"] * 2
    assert any("Debit of 2.50 USD to account b. Balance 7.50 USD" in m["message"] for m in sms)
