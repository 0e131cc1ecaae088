"""The composition root: everything the process needs, wired once from Settings.

Called by the ASGI lifespan, the CLI and tests. Nothing connects to AWS at import time.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Mapping
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from datetime import timedelta

import aioboto3
import httpx

from services.dynamo.batch import BatchReader
from services.dynamo.checkpoints import DynamoCheckpointStore
from services.dynamo.client import make_session, open_client, open_dynamodb
from services.dynamo.outbox import DynamoNotificationOutbox
from services.hub import BalanceFeed, EventHub, InProcessHub
from services.ledger import Ledger
from services.notifications import Notifier
from services.notifications.model import Channel
from services.notifications.ports import Sender
from services.notifications.ses import SesEmailSender
from services.notifications.sms_gateway import HttpSmsGateway
from services.notifications.sns import SnsSmsSender
from services.retry import Backoff
from services.settings import Settings
from services.streams import Handler, StreamPoller, StreamProcessor

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Services:
    settings: Settings
    ledger: Ledger
    #: True when DynamoDB is the embedded in-memory endpoint this process started.
    embedded: bool
    #: Where balance changes are published (by the stream worker) and subscribed to.
    hub: EventHub = field(default_factory=InProcessHub)
    #: `balances.subscribe_balance(account_id, after_version)`: the resumable live feed.
    balances: BalanceFeed | None = None
    notifier: Notifier | None = None
    #: `processor.process_records(records)`: what the poller and the Lambda handler run.
    processor: StreamProcessor | None = None
    #: Built, not started: the caller runs `await stream_worker.run()` (serve, stream-worker).
    stream_worker: StreamPoller | None = None


@asynccontextmanager
async def bootstrap(
    settings: Settings,
    *,
    ledger: Ledger | None = None,
    hub: EventHub | None = None,
    senders: Mapping[Channel, Sender] | None = None,
    embedded: bool = False,
) -> AsyncIterator[Services]:
    """Wire the services. Overrides (tests): `ledger` built elsewhere, an event `hub`, and
    notification `senders` by channel (replacing those the settings would build).

    `embedded` says the settings point at the embedded endpoint the caller started (its SES
    then needs the sender verified). Raises ValueError when no DynamoDB is configured: the
    embedded endpoint is started by the entrypoint (`ledger serve`), never from here."""
    if ledger is None and settings.use_embedded():
        raise ValueError("no DynamoDB is configured (AWS_ENDPOINT_URL or AWS credentials)")
    async with AsyncExitStack() as stack:
        if ledger is None:
            ledger = await stack.enter_async_context(Ledger.connect(settings))
        session = make_session(settings)
        dynamodb = await open_dynamodb(stack, session, settings)
        if hub is None:
            hub = await stack.enter_async_context(open_hub(settings, ledger))
        if senders is None:
            senders = await open_senders(stack, session, settings, embedded=embedded)
        backoff = Backoff(settings.retry_base_delay_seconds, settings.retry_max_delay_seconds)
        notifier = Notifier(
            ledger,
            DynamoNotificationOutbox(
                dynamodb, settings.table_name, BatchReader(dynamodb, settings.table_name, backoff)
            ),
            senders,
            max_attempts=settings.notification_max_attempts,
            backoff=Backoff(settings.notification_retry_base_seconds, 30.0),
            max_in_flight=settings.notification_max_in_flight,
            stale_after=timedelta(seconds=settings.notification_stale_seconds),
        )
        stack.push_async_callback(notifier.drain)
        processor = StreamProcessor(
            [
                Handler("hub", hub.publish, required=False),
                Handler("notifications", notifier.handle, concurrency=16),
            ],
            backoff=backoff,
        )
        worker = StreamPoller(
            streams=await open_client(stack, session, "dynamodbstreams", settings),
            dynamodb=dynamodb,
            table_name=settings.table_name,
            checkpoints=DynamoCheckpointStore(dynamodb, settings.table_name),
            processor=processor,
            poll_interval_seconds=settings.stream_poll_interval_seconds,
            batch_size=settings.stream_batch_size,
            max_record_attempts=settings.stream_max_record_attempts,
        )
        yield Services(
            settings=settings,
            ledger=ledger,
            embedded=embedded,
            hub=hub,
            balances=BalanceFeed(hub, ledger),
            notifier=notifier,
            processor=processor,
            stream_worker=worker,
        )


@asynccontextmanager
async def open_hub(settings: Settings, ledger: Ledger) -> AsyncIterator[EventHub]:
    """Redis pub/sub when `redis_url` is set (several replicas), else in-process."""
    hub: EventHub
    if settings.redis_url:
        from services.hub.redis import RedisHub

        hub = RedisHub(settings.redis_url, ledger, capacity=settings.subscriber_queue_size)
    else:
        hub = InProcessHub(settings.subscriber_queue_size)
    try:
        yield hub
    finally:
        await hub.close()


async def open_senders(
    stack: AsyncExitStack, session: aioboto3.Session, settings: Settings, *, embedded: bool
) -> dict[Channel, Sender]:
    """The notification senders the settings turn on, by channel."""
    senders: dict[Channel, Sender] = {}
    if settings.notify_email:
        ses = await open_client(
            stack,
            session,
            "sesv2",
            _for_service(settings, settings.ses_endpoint_url, settings.ses_region),
        )
        if embedded:  # the embedded SES refuses unverified senders, like a new SES account
            await ses.create_email_identity(EmailIdentity=settings.email_sender)
        senders[Channel.EMAIL] = SesEmailSender(ses, settings.email_sender)
    if settings.notify_sms and settings.sms_provider == "gateway":
        if not settings.sms_gateway_url or settings.sms_gateway_api_key is None:
            raise ValueError("sms_provider=gateway needs LEDGER_SMS_GATEWAY_URL and _API_KEY")
        http = await stack.enter_async_context(
            httpx.AsyncClient(timeout=settings.notification_timeout_seconds)
        )
        senders[Channel.SMS] = HttpSmsGateway(
            http,
            settings.sms_gateway_url,
            settings.sms_gateway_api_key.get_secret_value(),
            settings.sms_sender,
        )
    elif settings.notify_sms and settings.sms_provider == "sns":
        sns = await open_client(
            stack, session, "sns", _for_service(settings, settings.sns_endpoint_url, None)
        )
        senders[Channel.SMS] = SnsSmsSender(sns, settings.sms_sender)
    return senders


def _for_service(settings: Settings, endpoint_url: str | None, region: str | None) -> Settings:
    update: dict[str, object] = {}
    if endpoint_url:
        update["endpoint_url"] = endpoint_url
    if region:
        update["region"] = region
    return settings.model_copy(update=update) if update else settings


@asynccontextmanager
async def stream_worker_running(services: Services) -> AsyncIterator[asyncio.Task[None] | None]:
    """Run the stream worker in the background while the block runs (`ledger serve`), when
    `settings.runs_stream_worker_in_serve()`; stop it on exit and let started sends finish."""
    worker = services.stream_worker
    if worker is None or not services.settings.runs_stream_worker_in_serve():
        yield None
        return
    task = asyncio.get_running_loop().create_task(worker.run(), name="stream-worker")
    try:
        yield task
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        if services.notifier is not None:
            await services.notifier.drain()
