"""A provider outage used to cost a failing send (and the writes recording it) for every new
notification and for every due one at every retry sweep, which slowed the ledger and live
balances of a shared DynamoDB (see test_providers_down.py). Now, after five failures in a row,
new notifications are recorded unsent, each sweep sends one as a probe, and once the probe
succeeds the same sweep sends the rest, each once."""

from __future__ import annotations

import asyncio
from collections import Counter

from services.bootstrap import Services
from services.notifications.model import Status
from tests.streams.support import SmsGateway
from tests.streams.test_notifications import ALICE_PHONE, open_accounts, run_worker


async def test_a_down_provider_is_probed_not_hammered(
    services: Services, sms_gateway: SmsGateway
) -> None:
    await open_accounts(services)
    sms_gateway.down = True
    for n in range(10):
        await services.ledger.transfer_credits("alice", "bob", "1.00", idempotency_key=f"p{n}")

    await run_worker(services)
    # Two tries each (notification_max_attempts) for the sends under way when five had failed
    # in a row; none for the rest.
    assert sms_gateway.rejected < 2 * 11
    failed = await services.notifier.failed()
    assert len(failed) == 11  # the opening balance and ten debits, all kept
    assert all(n.status is Status.FAILED and "503" in (n.error or "") for n in failed)

    for _ in range(3):  # sweeps while the gateway is still down: one probe each
        await asyncio.sleep(0.3)  # past every backoff
        before = sms_gateway.rejected
        await services.notifier.sweep_once()
        assert sms_gateway.rejected - before <= 2

    sms_gateway.down = False
    await asyncio.sleep(0.5)
    report = await services.notifier.sweep_once()
    await services.notifier.drain()
    assert report.sent == 11
    texts = sms_gateway.texts_to(ALICE_PHONE)
    assert len(texts) == 11
    assert max(Counter(texts).values()) == 1
    assert await services.notifier.failed() == []
