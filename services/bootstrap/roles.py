"""One composition root per process role, each building exactly what that role uses.

- `bootstrap_api`: an API replica that leaves the stream to a separate worker (ledger, hub,
  balance feed).
- `bootstrap_worker`: `ledger stream-worker` and the notification commands (ledger, hub,
  notifier, processor, poller).
- `bootstrap_stream_handlers`: the Lambda handler (ledger, hub, notifier, processor).
- `bootstrap`: one process doing both, API and stream worker (`ledger serve` alone, tests).

Called by the ASGI lifespan, the CLI, the Lambda handler and tests; nothing connects to AWS at
import time. Each shares one aioboto3 session and one DynamoDB client in the process.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Mapping
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from services.bootstrap.ledger import open_ledger
from services.bootstrap.wiring import Wiring, balance_feed
from services.hub import BalanceFeed, EventHub
from services.identity.wiring import Identity
from services.ledger import Ledger
from services.notifications import Notifier
from services.notifications.model import Channel
from services.notifications.ports import Sender
from services.ratelimit import NoRateLimits, RateLimiter
from services.settings import Settings
from services.streams import StreamPoller, StreamProcessor

if TYPE_CHECKING:
    pass


@dataclass(frozen=True)
class ApiServices:
    """What serving the GraphQL API needs."""

    settings: Settings
    ledger: Ledger
    #: True when DynamoDB is the embedded in-memory endpoint this process started.
    embedded: bool
    #: Where balance changes are published (by this process's commits at once, and by the
    #: stream worker) and subscribed to.
    hub: EventHub
    #: `balances.subscribe_balance(account_id, after_version)`: the resumable live feed.
    balances: BalanceFeed
    #: Who a request is: `identity.authenticator.authenticate(authorization_header)`.
    identity: Identity
    #: Operations and transfers per principal, refused requests per client address.
    limiter: RateLimiter = field(default_factory=NoRateLimits, kw_only=True)

    @property
    def dynamodb_mode(self) -> str:
        """Which DynamoDB this process uses: "embedded" (in memory, lost on exit),
        "endpoint" (a configured endpoint URL) or "aws"."""
        return dynamodb_mode(self.settings, embedded=self.embedded)


def dynamodb_mode(settings: Settings, *, embedded: bool) -> str:
    if embedded:
        return "embedded"
    return "endpoint" if settings.endpoint_for("dynamodb") else "aws"


@dataclass(frozen=True)
class StreamServices:
    """What handling the table's stream records needs (the Lambda handler)."""

    settings: Settings
    ledger: Ledger
    hub: EventHub
    notifier: Notifier
    #: `processor.process_records(records)`: what the poller and the Lambda handler run.
    processor: StreamProcessor


@dataclass(frozen=True)
class WorkerServices(StreamServices):
    """The stream worker process: the stream handlers and the poller that feeds them."""

    #: Built, not started: the caller runs `await stream_worker.run()`.
    stream_worker: StreamPoller


@dataclass(frozen=True)
class Services(ApiServices):
    """One process serving the API and running the stream worker (`ledger serve` alone)."""

    notifier: Notifier
    processor: StreamProcessor
    #: Built, not started: `stream_worker_running(services)` runs it beside the API.
    stream_worker: StreamPoller


@asynccontextmanager
async def bootstrap_api(
    settings: Settings, *, embedded: bool = False
) -> AsyncIterator[ApiServices]:
    """An API replica's services. `embedded`: the settings point at the embedded endpoint the
    caller started. Raises ValueError when no DynamoDB is configured."""
    async with AsyncExitStack() as stack:
        wiring = await Wiring.open(stack, settings)
        limiter = wiring.limiter(settings)
        ledger = await open_ledger(wiring.dynamodb, settings, limiter=limiter)
        hub = await wiring.hub(settings, ledger)
        wiring.fast_path(settings, ledger, hub)
        identity = await wiring.identity(settings, embedded=embedded)
        yield ApiServices(
            settings,
            ledger,
            embedded,
            hub,
            balance_feed(settings, hub, ledger),
            identity,
            limiter=limiter,
        )


async def _stream_services(
    stack: AsyncExitStack, settings: Settings
) -> tuple[Wiring, StreamServices]:
    wiring = await Wiring.open(stack, settings)
    ledger = await open_ledger(wiring.dynamodb, settings)
    hub = await wiring.hub(settings, ledger)
    notifier, processor = await wiring.stream_handlers(settings, ledger, hub, None, embedded=False)
    return wiring, StreamServices(settings, ledger, hub, notifier, processor)


@asynccontextmanager
async def bootstrap_stream_handlers(settings: Settings) -> AsyncIterator[StreamServices]:
    """The Lambda handler's services. Raises ValueError when no DynamoDB is configured."""
    async with AsyncExitStack() as stack:
        _, services = await _stream_services(stack, settings)
        yield services


@asynccontextmanager
async def bootstrap_worker(settings: Settings) -> AsyncIterator[WorkerServices]:
    """The stream worker's services. Raises ValueError when no DynamoDB is configured."""
    async with AsyncExitStack() as stack:
        wiring, base = await _stream_services(stack, settings)
        worker = await wiring.poller(settings, base.processor)
        yield WorkerServices(
            settings, base.ledger, base.hub, base.notifier, base.processor, stream_worker=worker
        )


@asynccontextmanager
async def bootstrap(
    settings: Settings,
    *,
    hub: EventHub | None = None,
    senders: Mapping[Channel, Sender] | None = None,
    embedded: bool = False,
) -> AsyncIterator[Services]:
    """The API and the stream worker in one process. Overrides (tests): an event `hub`, and
    notification `senders` by channel (replacing those the settings would build).

    `embedded` says the settings point at the embedded endpoint the caller started (its SES
    then needs the sender verified). Raises ValueError when no DynamoDB is configured: the
    embedded endpoint is started by the entrypoint (`ledger serve`), never from here."""
    async with AsyncExitStack() as stack:
        wiring = await Wiring.open(stack, settings)
        limiter = wiring.limiter(settings)
        ledger = await open_ledger(wiring.dynamodb, settings, limiter=limiter)
        if hub is None:
            hub = await wiring.hub(settings, ledger)
        wiring.fast_path(settings, ledger, hub)
        notifier, processor = await wiring.stream_handlers(
            settings, ledger, hub, senders, embedded=embedded
        )
        worker = await wiring.poller(settings, processor)
        identity = await wiring.identity(settings, embedded=embedded)
        yield Services(
            settings=settings,
            ledger=ledger,
            embedded=embedded,
            hub=hub,
            balances=balance_feed(settings, hub, ledger),
            identity=identity,
            limiter=limiter,
            notifier=notifier,
            processor=processor,
            stream_worker=worker,
        )


@asynccontextmanager
async def stream_worker_running(services: Services) -> AsyncIterator[asyncio.Task[None] | None]:
    """Run the stream worker in the background while the block runs (`ledger serve`), when
    `settings.runs_stream_worker_in_serve()`; stop it on exit and let started sends finish."""
    if not services.settings.runs_stream_worker_in_serve():
        yield None
        return
    task = asyncio.get_running_loop().create_task(
        services.stream_worker.run(), name="stream-worker"
    )
    sweeper = asyncio.get_running_loop().create_task(
        services.notifier.run_sweeps(), name="notification-sweeper"
    )
    running_tasks = [task, sweeper]
    if services.ledger.hold_sweeper is not None:
        running_tasks.append(
            asyncio.get_running_loop().create_task(
                services.ledger.hold_sweeper.run(), name="hold-sweeper"
            )
        )
    try:
        yield task
    finally:
        for running in running_tasks:
            running.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await running
        await services.notifier.drain()
