"""Defect 6 (part): failed and abandoned notifications are retried automatically, with backoff,
up to a maximum age; what is older stays in the dead-letter listing. They used to be resent
only by hand (`ledger notifications retry`)."""

from __future__ import annotations

import asyncio

from services.bootstrap import Services, stream_worker_running
from services.notifications.model import Status
from tests.streams.support import SmsGateway
from tests.streams.test_notifications import ALICE_PHONE, open_accounts, run_worker


async def test_a_provider_outage_heals_without_an_operator(
    services: Services, sms_gateway: SmsGateway
) -> None:
    await open_accounts(services)
    sms_gateway.down = True
    for n in range(3):
        await services.ledger.transfer_credits("alice", "bob", "1.00", idempotency_key=f"o{n}")
    await run_worker(services)
    failed = await services.notifier.failed()
    assert len(failed) == 4  # the opening balance and three debits of alice
    assert all(n.status is Status.FAILED for n in failed)

    sms_gateway.down = False
    report = await services.notifier.sweep_once()
    await services.notifier.drain()
    assert report.sent == 4
    assert len(sms_gateway.texts_to(ALICE_PHONE)) == 4
    assert await services.notifier.failed() == []
    assert (await services.notifier.sweep_once()).sent == 0
    assert len(sms_gateway.received) == 4  # nothing twice


async def test_the_worker_sweeps_by_itself(services: Services, sms_gateway: SmsGateway) -> None:
    await open_accounts(services)
    sms_gateway.down = True
    await services.ledger.transfer_credits("alice", "bob", "1.00", idempotency_key="w1")
    services.notifier.sweep_every_seconds = 0.2
    async with stream_worker_running(services):
        await asyncio.sleep(1.0)  # every attempt fails: FAILED
        sms_gateway.down = False
        for _ in range(100):
            if len(sms_gateway.texts_to(ALICE_PHONE)) == 2:
                break
            await asyncio.sleep(0.1)
    assert len(sms_gateway.texts_to(ALICE_PHONE)) == 2


async def test_older_than_the_maximum_age_is_a_dead_letter(
    services: Services, sms_gateway: SmsGateway
) -> None:
    await open_accounts(services)
    sms_gateway.down = True
    await run_worker(services)
    sms_gateway.down = False
    await asyncio.sleep(0.3)
    services.notifier.max_age_seconds = 0.2  # what failed so long ago is left to a human
    assert (await services.notifier.sweep_once()).sent == 0
    dead = await services.notifier.dead_letters()
    assert [n.account_id for n in dead] == ["alice"]
    assert sms_gateway.texts_to(ALICE_PHONE) == []
