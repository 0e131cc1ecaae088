"""The process's one aioboto3 session and DynamoDB client, and what each role builds on them:
the ledger's hub, the stream handlers, the poller, identity and rate limits. The roles
(`services.bootstrap.roles`) choose which of these a process gets."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from contextlib import AsyncExitStack
from datetime import timedelta
from typing import TYPE_CHECKING

import aioboto3

from services.bootstrap.adapters import open_hub, open_senders
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
from services.dynamo.leases import DynamoLeaseStore
from services.dynamo.notify_caps import DynamoHourlyCounter
from services.hub import BalanceFeed, EventHub
from services.identity.wiring import Identity, build_identity, check_serving
from services.ledger import Ledger
from services.notifications import Notifier
from services.notifications.caps import RecipientCaps
from services.notifications.model import Channel
from services.notifications.ports import Sender
from services.observability import wiring as observed
from services.observability.tracing import current_traceparent
from services.ratelimit import RateLimiter
from services.retry import Backoff
from services.settings import Settings
from services.streams import Handler, StreamPoller, StreamProcessor
from services.streams.leases import ShardLeases

if TYPE_CHECKING:
    from types_aiobotocore_dynamodb import DynamoDBClient


class Wiring:
    """The process's one session and DynamoDB client, and the ledger on them."""

    def __init__(
        self, stack: AsyncExitStack, session: aioboto3.Session, dynamodb: DynamoDBClient
    ) -> None:
        self.stack = stack
        self.session = session
        self.dynamodb = dynamodb

    @classmethod
    async def open(cls, stack: AsyncExitStack, settings: Settings) -> Wiring:
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

    def fast_path(self, settings: Settings, ledger: Ledger, hub: EventHub) -> None:
        """Publish what this process commits to `hub` at once (`live_fast_path`), until the
        stack closes (before the hub: the stack unwinds in reverse)."""
        if not settings.live_fast_path:
            return
        publisher = observed.fast_path()(hub, traceparent=current_traceparent)
        ledger.commits.attach(publisher)

        async def stop() -> None:
            ledger.commits.detach(publisher)
            await publisher.aclose()

        self.stack.push_async_callback(stop)

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
        poller = observed.poller()(
            streams=await open_client(self.stack, self.session, "dynamodbstreams", settings),
            dynamodb=self.dynamodb,
            table_name=settings.table_name,
            checkpoints=DynamoCheckpointStore(self.dynamodb, settings.table_name),
            processor=processor,
            poll_interval_seconds=settings.stream_poll_interval_seconds,
            batch_size=settings.stream_batch_size,
            max_record_attempts=settings.stream_max_record_attempts,
            leases=ShardLeases(
                DynamoLeaseStore(self.dynamodb, settings.table_name),
                lease_seconds=settings.stream_lease_seconds,
            ),
            delay_seconds=settings.stream_delay_seconds,
        )
        self.stack.push_async_callback(poller.close)
        return poller


def balance_feed(settings: Settings, hub: EventHub, ledger: Ledger) -> BalanceFeed:
    return BalanceFeed(observed.feed_hub(hub), ledger, max_replay=settings.max_replay_versions)
