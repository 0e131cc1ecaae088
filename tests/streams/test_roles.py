"""Each process role gets what it uses, wired the same way as `bootstrap` (one per role)."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import pytest

from services.bootstrap import (
    ApiServices,
    Services,
    WorkerServices,
    bootstrap_api,
    bootstrap_worker,
)
from services.settings import Settings
from tests.streams.conftest import verify_sender


async def test_an_api_replica_gets_the_ledger_and_the_feed_but_no_stream_worker(
    stream_settings: Settings,
) -> None:
    async with bootstrap_api(stream_settings) as api:
        assert type(api) is ApiServices
        assert not isinstance(api, Services)
        assert not hasattr(api, "notifier")
        assert not hasattr(api, "stream_worker")
        await api.ledger.create_account_with_balance("a", "5.00", currency="USD")
        assert await api.ledger.inquire_balance("a") == Decimal("5.00")


async def test_the_stream_worker_publishes_what_it_reads(stream_settings: Settings) -> None:
    await verify_sender(stream_settings)
    async with bootstrap_worker(stream_settings) as worker:
        assert type(worker) is WorkerServices
        assert not hasattr(worker, "balances")
        await worker.ledger.create_account_with_balance("a", "5.00", currency="USD")
        await worker.ledger.create_account_with_balance("b", "0", currency="USD")
        subscription = await worker.hub.subscribe("b")
        await worker.ledger.transfer_credits("a", "b", "2.50")
        assert await worker.stream_worker.catch_up() > 0
        event = await asyncio.wait_for(anext(aiter(subscription)), 5)
        assert (event.account_id, event.version, event.balance) == ("b", 1, Decimal("2.50"))
        subscription.close()


def test_no_dynamodb_configured_is_refused_not_started(settings: Settings) -> None:
    unconfigured = settings.model_copy(update={"embedded": True})

    async def open_it() -> None:
        async with bootstrap_api(unconfigured):
            pass

    with pytest.raises(ValueError, match="no DynamoDB is configured"):
        asyncio.run(open_it())
