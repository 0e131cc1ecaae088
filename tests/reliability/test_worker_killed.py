"""Fault-injection harness, scenario 2: the stream worker process killed with SIGKILL.

`ledger stream-worker` runs in a process of its own (Redis hub, SES on the embedded endpoint,
an HTTP SMS gateway) while this process commits random transfers and watches every account's
balance through the Redis hub, as a replica would. At random points the worker is killed with
SIGKILL (no cleanup: its lease stays until it expires, its sends are cut off wherever they
were) and started again. Then:

- every entry was notified on both channels, counted at the providers;
- a message arrived twice only in the documented duplicate window: it was accepted by the
  provider in the moments before a SIGKILL, and its SENT mark was never written;
- every subscriber saw each version of its account once, in order, without a gap.

The CI run kills the worker three times during 500 transfers between 8 accounts, 2 of which
have an e-mail address and a phone (on this shared 2-core machine every notification costs
about five calls to the embedded endpoint); `make soak` kills it ten times during 3,000
transfers with every account notified.
"""

from __future__ import annotations

import asyncio
import os
import random
import time
from pathlib import Path

import pytest

from services.bootstrap import bootstrap
from services.settings import Settings
from tests.reliability import harness
from tests.streams.conftest import verify_sender
from tests.streams.support import RedisServer, SmsGateway
from tests.support.processes import WorkerProcess

#: Seconds before a SIGKILL within which a provider's accept may still lack its SENT mark.
DUPLICATE_WINDOW_SECONDS = 5.0


class ProviderLog:
    """How many messages each provider had accepted, sampled over time."""

    def __init__(self, gateway: SmsGateway, endpoint: str) -> None:
        self._gateway = gateway
        self._endpoint = endpoint
        self.samples: list[tuple[float, int, int]] = []

    async def sample(self) -> tuple[int, int]:
        sms = len(harness.sms_keys(self._gateway))
        mail = len(await asyncio.to_thread(harness.mail_keys, self._endpoint))
        self.samples.append((time.monotonic(), sms, mail))
        return sms, mail

    async def run(self) -> None:
        while True:
            await self.sample()
            await asyncio.sleep(0.25)

    def counts_before(self, moment: float) -> tuple[int, int]:
        earlier = [(s, m) for at, s, m in self.samples if at <= moment]
        return earlier[-1] if earlier else (0, 0)


def explained(
    keys: list[harness.EntryKey], kills: list[tuple[float, int]], log: ProviderLog, channel: int
) -> list[str]:
    """The duplicates that are not a provider accept just before a SIGKILL."""
    problems = []
    first_index = {}
    for index, key in enumerate(keys):
        first_index.setdefault(key, index)
    for key, copies in harness.duplicates(keys).items():
        if copies > 2:
            problems.append(f"{key} arrived {copies} times")
            continue
        index = first_index[key]
        windows = [
            (log.counts_before(at - DUPLICATE_WINDOW_SECONDS)[channel], count)
            for at, count in kills
        ]
        if not any(low <= index < high for low, high in windows):
            problems.append(f"{key} (first copy #{index}) not sent just before a kill {windows}")
    return problems


async def run_kills(
    settings: Settings,
    gateway: SmsGateway,
    home: Path,
    *,
    transfers: int,
    kills: int,
    notified: int | None,
    seed: int,
) -> None:
    await verify_sender(settings)
    endpoint = settings.endpoint_url
    assert endpoint is not None
    ids = harness.accounts(8)
    worker = WorkerProcess(settings, home)
    log = ProviderLog(gateway, endpoint)
    subscribers = harness.Subscribers()
    sms_kills: list[tuple[float, int]] = []
    mail_kills: list[tuple[float, int]] = []
    rng = random.Random(seed)
    # One random point in each of `kills` stretches of the run, so the kills are spread.
    stretch = (transfers - transfers // 5) // kills
    kill_points = {transfers // 10 + n * stretch + rng.randrange(stretch) for n in range(kills)}

    async with bootstrap(settings) as replica:  # this process: the ledger and a replica's feed
        await harness.open_accounts(replica.ledger, ids, notified=notified)
        assert replica.balances is not None
        subscribers.watch(replica.balances, ids)
        worker.start()
        sampler = asyncio.create_task(log.run())

        async def maybe_kill(done: int) -> None:
            if done in kill_points:
                worker.kill()
                at = time.monotonic()
                sms, mail = await log.sample()
                sms_kills.append((at, sms))
                mail_kills.append((at, mail))
                worker.start()

        try:
            elapsed = await harness.random_transfers(
                replica.ledger, ids, transfers, seed=seed, after_each=maybe_kill
            )
            versions = await harness.final_versions(replica.ledger, ids)
            entries = sum(versions[a] for a in ids[: notified or len(ids)])
            await harness.wait_for(
                lambda: len(set(harness.sms_keys(gateway))) >= entries,
                90,
                "every SMS",
            )
            await harness.wait_for(
                lambda: len(set(harness.mail_keys(endpoint))) >= entries, 90, "every e-mail"
            )
            await harness.wait_for(lambda: subscribers.caught_up(versions), 60, "subscribers")
            await asyncio.sleep(1.0)  # anything sent twice would have arrived by now
        finally:
            sampler.cancel()
            subscribers.stop()
            worker.stop()

    sms, mail = harness.sms_keys(gateway), harness.mail_keys(endpoint)
    print(  # noqa: T201 - the scenario's measurements, shown with -s
        f"\n{transfers} transfers in {elapsed:.1f}s, worker killed {kills} times "
        f"(started {worker.starts}); {entries} entries; SMS {len(sms)}, e-mail {len(mail)}; "
        f"duplicates in the window: SMS {len(harness.duplicates(sms))}, "
        f"e-mail {len(harness.duplicates(mail))}"
    )
    assert worker.starts == kills + 1
    assert len(set(sms)) == entries
    assert len(set(mail)) == entries
    assert explained(sms, sms_kills, log, 0) == []
    assert explained(mail, mail_kills, log, 1) == []
    subscribers.check_gap_free(versions)


def kill_settings(stream_settings: Settings, redis_server: RedisServer) -> Settings:
    return stream_settings.model_copy(
        update={
            "redis_url": redis_server.url,
            "serve_stream_worker": False,
            # A restarted worker takes the killed one's shard over once its lease expires.
            "stream_lease_seconds": 2.0,
            # Claims a killed worker left PENDING are sent by the next one's sweep.
            "notification_stale_seconds": 5.0,
            "notification_sweep_seconds": 0.5,
            "stream_poll_interval_seconds": 0.05,
            # Short pages: a checkpoint every 100 records, so a kill repeats little.
            "stream_batch_size": 100,
        }
    )


async def test_worker_killed_three_times_during_500_transfers(
    stream_settings: Settings, redis_server: RedisServer, sms_gateway: SmsGateway, tmp_path: Path
) -> None:
    settings = kill_settings(stream_settings, redis_server)
    await run_kills(settings, sms_gateway, tmp_path, transfers=500, kills=3, notified=2, seed=20)


@pytest.mark.soak
async def test_soak_worker_killed_often(
    stream_settings: Settings, redis_server: RedisServer, sms_gateway: SmsGateway, tmp_path: Path
) -> None:
    settings = kill_settings(stream_settings, redis_server)
    transfers = int(os.environ.get("LEDGER_SOAK_TRANSFERS", "3000"))
    await run_kills(
        settings, sms_gateway, tmp_path, transfers=transfers, kills=10, notified=None, seed=21
    )
