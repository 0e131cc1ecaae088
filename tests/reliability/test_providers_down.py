"""Fault-injection harness, scenario 4: SES and the SMS gateway down, then back.

`ledger stream-worker` runs in a process of its own; its SES calls go through the fault proxy,
which resets every connection during the outage (nothing reaches SES), and the HTTP SMS gateway
answers 503. Meanwhile this process keeps committing transfers and watching every account
through the Redis hub. Then:

- transfers go on at the speed they had before the outage, and live balances stay current;
- after recovery every notification arrives, each exactly once per channel (counted at the
  providers), without an operator: the worker's sweep retries them with backoff.

The CI run keeps the providers down for 10 s; `make soak` for a minute.
"""

from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path

import pytest

from services.bootstrap import bootstrap
from services.settings import Settings
from tests.reliability import harness
from tests.streams.conftest import verify_sender
from tests.streams.support import RedisServer, SmsGateway
from tests.support.fault_proxy import Fault, FaultPlan, FaultProxy
from tests.support.processes import WorkerProcess

#: Transfers per measured round (rates are compared round against round).
ROUND = 40


async def run_outage(
    settings: Settings,
    gateway: SmsGateway,
    home: Path,
    *,
    down_seconds: float,
    after: int,
) -> None:
    endpoint = settings.endpoint_url
    assert endpoint is not None
    await verify_sender(settings)
    ids = harness.accounts(8, prefix="p")
    notified = ids[:2]  # every notification costs about five calls to the endpoint
    ses_down = FaultPlan(reset_before=1.0, enabled=False)
    proxy = FaultProxy(endpoint, ses_down)
    with proxy as ses_url:
        worker = WorkerProcess(settings.model_copy(update={"ses_endpoint_url": ses_url}), home)
        subscribers = harness.Subscribers()
        async with bootstrap(settings) as writer:
            ledger = writer.ledger
            await harness.open_accounts(ledger, ids, notified=len(notified))
            assert writer.balances is not None
            subscribers.watch(writer.balances, ids)
            worker.start()
            seed = iter(range(1000, 100_000))
            try:
                # The same measure before and during the outage: transfers for `seconds`,
                # then how long the subscribers take to see the last of them.
                async def measure(seconds: float) -> tuple[float, float]:
                    started, done = time.monotonic(), 0
                    while time.monotonic() - started < seconds:
                        await harness.random_transfers(ledger, ids, ROUND, seed=next(seed))
                        done += ROUND
                    rate = done / (time.monotonic() - started)
                    versions = await harness.final_versions(ledger, ids)
                    caught = time.monotonic()
                    await harness.wait_for(
                        lambda: subscribers.caught_up(versions), 60, "live balances"
                    )
                    return rate, time.monotonic() - caught

                await harness.random_transfers(ledger, ids, ROUND, seed=next(seed))  # warm up
                baseline_rate, baseline_lag = await measure(min(down_seconds, 6.0))
                ses_down.enabled, gateway.down = True, True
                outage_rate, outage_lag = await measure(down_seconds)
                refused = gateway.rejected
                ses_down.enabled, gateway.down = False, False
                await harness.random_transfers(ledger, ids, after, seed=next(seed))
                versions = await harness.final_versions(ledger, ids)
                entries = sum(versions[a] for a in notified)
                await harness.wait_for(
                    lambda: len(set(harness.sms_keys(gateway))) >= entries, 120, "every SMS"
                )
                await harness.wait_for(
                    lambda: len(set(harness.mail_keys(endpoint))) >= entries,
                    120,
                    "every e-mail",
                )
                await harness.wait_for(lambda: subscribers.caught_up(versions), 30, "live")
                await asyncio.sleep(2.0)  # a second copy of anything would have come by now
            finally:
                subscribers.stop()
                worker.stop()

    sms, mail = harness.sms_keys(gateway), harness.mail_keys(endpoint)
    print(  # noqa: T201 - the scenario's measurements, shown with -s
        f"\ntransfers at {baseline_rate:.0f}/s before, {outage_rate:.0f}/s during a "
        f"{down_seconds:.0f}s outage; live balances caught up {baseline_lag:.1f}s / "
        f"{outage_lag:.1f}s after the last transfer (SES calls reset "
        f"{proxy.counts[Fault.RESET_BEFORE]}, SMS 503s {refused}); "
        f"{entries} entries notified; SMS {len(sms)}, e-mail {len(mail)}"
    )
    assert refused > 0  # the outage was real
    assert proxy.counts[Fault.RESET_BEFORE] > 0
    # The same speed and freshness, within the noise of a shared machine. All of it runs on
    # one embedded endpoint: a worker that sends nothing catches up faster and competes harder
    # with the transfers for it (its lag shows it), which real DynamoDB would not feel.
    assert outage_rate >= 0.4 * baseline_rate
    assert outage_lag <= max(2 * baseline_lag, baseline_lag + 5)
    assert harness.duplicates(sms) == {}
    assert harness.duplicates(mail) == {}
    assert len(sms) == len(mail) == entries
    subscribers.check_gap_free(versions)


def outage_settings(stream_settings: Settings, redis_server: RedisServer) -> Settings:
    return stream_settings.model_copy(
        update={
            "redis_url": redis_server.url,
            "serve_stream_worker": False,
            "stream_poll_interval_seconds": 0.05,
            "stream_batch_size": 100,
            "notification_sweep_seconds": 2.0,
            # One try per send, then the sweep's backoff (0.2 s doubling): retrying at the
            # tests' usual 10 ms would hammer the endpoint all through the outage.
            "notification_max_attempts": 1,
            "notification_retry_base_seconds": 0.1,
        }
    )


async def test_ses_and_sms_gateway_down_for_10_seconds(
    stream_settings: Settings, redis_server: RedisServer, sms_gateway: SmsGateway, tmp_path: Path
) -> None:
    settings = outage_settings(stream_settings, redis_server)
    await run_outage(settings, sms_gateway, tmp_path, down_seconds=10, after=40)


@pytest.mark.soak
async def test_soak_ses_and_sms_gateway_down_for_a_minute(
    stream_settings: Settings, redis_server: RedisServer, sms_gateway: SmsGateway, tmp_path: Path
) -> None:
    settings = outage_settings(stream_settings, redis_server)
    down = float(os.environ.get("LEDGER_SOAK_OUTAGE_SECONDS", "60"))
    await run_outage(settings, sms_gateway, tmp_path, down_seconds=down, after=200)
