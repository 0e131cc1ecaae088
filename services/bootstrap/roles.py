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
from datetime import timedelta
from typing import TYPE_CHECKING

import aioboto3

from services.bootstrap.adapters import open_hub, open_senders
from services.bootstrap.ledger import open_ledger
from services.bootstrap.limits import build_rate_limiter
from services.dynamo.api_keys import DynamoApiKeyStore
from services.dynamo.batch import BatchReader
from services.dynamo.checkpoints import DynamoCheckpointStore
from services.dynamo.client import (
    aws_credentials_available,
    make_session,
    open_client,
    open_dynamodb,
)
from services.dynamo.notify_caps import DynamoHourlyCounter
from services.hub import BalanceFeed, EventHub
from services.identity.wiring import Identity, build_identity, check_serving
from services.ledger import Ledger
from services.notifications import Notifier
from services.notifications.caps import RecipientCaps
from services.notifications.model import Channel
from services.notifications.ports import Sender
from services.observability import wiring as observed
from services.ratelimit import NoRateLimits, RateLimiter
from services.retry import Backoff
from services.settings import Settings
from services.streams import Handler, StreamPoller, StreamProcessor

if TYPE_CHECKING:
    from types_aiobotocore_dynamodb import DynamoDBClient


@dataclass(frozen=True)
class ApiServices:
    """What serving the GraphQL API needs."""

    settings: Settings
    ledger: Ledger
    #: True when DynamoDB is the embedded in-memory endpoint this process started.
    embedded: bool
    #: Where balance changes are published (by the stream worker) and subscribed to.
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


class _Wiring:
    """The process's one session and DynamoDB client, and the ledger on them."""

    def __init__(
        self, stack: AsyncExitStack, session: aioboto3.Session, dynamodb: DynamoDBClient
    ) -> None:
        self.stack = stack
        self.session = session
        self.dynamodb = dynamodb

    @classmethod
    async def open(cls, stack: AsyncExitStack, settings: Settings) -> _Wiring:
        if settings.use_embedded():
            raise ValueError(
                "no DynamoDB is configured: the embedded endpoint is started by `ledger serve "
                "--embedded`, never by the services"
            )
        if not settings.endpoint_for("dynamodb") and not await asyncio.to_thread(
            aws_credentials_available, settings
        ):
            raise ValueError(
                "no DynamoDB is configured: no endpoint (AWS_ENDPOINT_URL_DYNAMODB) and no AWS "
                "credentials anywhere in the standard chain; for development run `ledger serve "
                "--embedded` (data in memory only)"
            )
        session = make_session(settings)
        return cls(stack, session, observed.client(await open_dynamodb(stack, session, settings)))

    async def identity(self, settings: Settings, *, embedded: bool) -> Identity:
        """The API's authenticator; refuses (IdentityConfigurationError) a real deployment that
        would accept no credential or skip authentication silently."""
        check_serving(settings, embedded=embedded)
        store = DynamoApiKeyStore(self.dynamodb, settings.table_name)
        identity = build_identity(settings, embedded=embedded, api_keys=store)
        self.stack.push_async_callback(identity.aclose)
        return identity

    def limiter(self, settings: Settings) -> RateLimiter:
        limiter = build_rate_limiter(settings)
        self.stack.push_async_callback(limiter.close)
        return limiter

    async def hub(self, settings: Settings, ledger: Ledger) -> EventHub:
        return await self.stack.enter_async_context(open_hub(settings, ledger))

    async def stream_handlers(
        self,
        settings: Settings,
        ledger: Ledger,
        hub: EventHub,
        senders: Mapping[Channel, Sender] | None,
        *,
        embedded: bool,
    ) -> tuple[Notifier, StreamProcessor]:
        if senders is None:
            senders = await open_senders(self.stack, self.session, settings, embedded=embedded)
        backoff = Backoff(settings.retry_base_delay_seconds, settings.retry_max_delay_seconds)
        table = settings.table_name
        notifier = Notifier(
            ledger,
            observed.outbox()(self.dynamodb, table, BatchReader(self.dynamodb, table, backoff)),
            senders,
            max_attempts=settings.notification_max_attempts,
            backoff=Backoff(settings.notification_retry_base_seconds, 30.0),
            max_in_flight=settings.notification_max_in_flight,
            stale_after=timedelta(seconds=settings.notification_stale_seconds),
            max_age=timedelta(seconds=settings.notification_max_age_seconds),
            sweep_every=timedelta(seconds=settings.notification_sweep_seconds),
            caps=RecipientCaps(
                DynamoHourlyCounter(self.dynamodb, table),
                {
                    Channel.EMAIL: settings.notify_max_emails_per_recipient_hour,
                    Channel.SMS: settings.notify_max_sms_per_recipient_hour,
                },
            ),
        )
        self.stack.push_async_callback(notifier.drain)
        processor = observed.processor()(
            [
                Handler("hub", observed.handler("hub", hub.publish), required=False),
                Handler(
                    "notifications",
                    observed.handler("notifications", notifier.handle),
                    concurrency=16,
                ),
            ],
            backoff=backoff,
        )
        return notifier, processor

    async def poller(self, settings: Settings, processor: StreamProcessor) -> StreamPoller:
        return observed.poller()(
            streams=await open_client(self.stack, self.session, "dynamodbstreams", settings),
            dynamodb=self.dynamodb,
            table_name=settings.table_name,
            checkpoints=DynamoCheckpointStore(self.dynamodb, settings.table_name),
            processor=processor,
            poll_interval_seconds=settings.stream_poll_interval_seconds,
            batch_size=settings.stream_batch_size,
            max_record_attempts=settings.stream_max_record_attempts,
        )


def _feed(settings: Settings, hub: EventHub, ledger: Ledger) -> BalanceFeed:
    return BalanceFeed(observed.feed_hub(hub), ledger, max_replay=settings.max_replay_versions)


@asynccontextmanager
async def bootstrap_api(
    settings: Settings, *, embedded: bool = False
) -> AsyncIterator[ApiServices]:
    """An API replica's services. `embedded`: the settings point at the embedded endpoint the
    caller started. Raises ValueError when no DynamoDB is configured."""
    async with AsyncExitStack() as stack:
        wiring = await _Wiring.open(stack, settings)
        limiter = wiring.limiter(settings)
        ledger = await open_ledger(wiring.dynamodb, settings, limiter=limiter)
        hub = await wiring.hub(settings, ledger)
        identity = await wiring.identity(settings, embedded=embedded)
        yield ApiServices(
            settings, ledger, embedded, hub, _feed(settings, hub, ledger), identity, limiter=limiter
        )


async def _stream_services(
    stack: AsyncExitStack, settings: Settings
) -> tuple[_Wiring, StreamServices]:
    wiring = await _Wiring.open(stack, settings)
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
        wiring = await _Wiring.open(stack, settings)
        limiter = wiring.limiter(settings)
        ledger = await open_ledger(wiring.dynamodb, settings, limiter=limiter)
        if hub is None:
            hub = await wiring.hub(settings, ledger)
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
            balances=_feed(settings, hub, ledger),
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
    try:
        yield task
    finally:
        for running in (task, sweeper):
            running.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await running
        await services.notifier.drain()
