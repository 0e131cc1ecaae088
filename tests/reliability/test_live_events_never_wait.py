"""Defect 5: live balance events never wait on notification I/O.

The notifier waited for send capacity inside the stream step that also publishes to the hub:
once a hanging SMS gateway held every send slot, the worker stopped reading the stream and
every subscriber's live balance froze. Here the gateway hangs forever and only two sends may
be in flight; a subscriber must still see each transfer promptly."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from services.bootstrap import Services, bootstrap, stream_worker_running
from services.notifications.model import Channel, Message
from services.settings import Settings

PROMPT_SECONDS = 3.0


class HangingGateway:
    def __init__(self) -> None:
        self.calls = 0
        self.released = asyncio.Event()

    async def send(self, recipient: str, message: Message) -> str | None:
        self.calls += 1
        await self.released.wait()  # the provider does not answer until the test ends
        return None


@pytest.fixture
async def hanging(settings: Settings) -> AsyncIterator[tuple[Services, HangingGateway]]:
    gateway = HangingGateway()
    wired_settings = settings.model_copy(
        update={
            "notify_email": False,
            "notification_max_in_flight": 2,
            "stream_poll_interval_seconds": 0.02,
            "serve_stream_worker": True,
            # The stream's own path is under test: the commit-time fast path would deliver
            # every change before the worker even read it.
            "live_fast_path": False,
        }
    )
    async with bootstrap(wired_settings, senders={Channel.SMS: gateway}) as services:
        try:
            yield services, gateway
        finally:
            gateway.released.set()  # let shutdown drain the sends


async def test_a_hanging_sms_gateway_does_not_delay_live_balances(
    hanging: tuple[Services, HangingGateway],
) -> None:
    services, gateway = hanging
    ledger = services.ledger
    await ledger.create_account_with_balance("payer", "100.00")
    await ledger.create_account_with_balance("payee", "0", phone="+14155550100")
    stream = await services.balances.open("payee")
    changes = aiter(stream.changes)
    async with stream_worker_running(services) as worker:
        assert worker is not None
        try:
            for n in range(1, 7):
                await ledger.transfer_credits("payer", "payee", "1", idempotency_key=f"k{n}")
                event = await asyncio.wait_for(anext(changes), PROMPT_SECONDS)
                assert event.version == n
            assert gateway.calls >= 2  # the sends did start, and hang
        finally:
            gateway.released.set()  # before the worker stops: it drains its sends
            await stream.aclose()
