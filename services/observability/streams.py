"""Stream metrics and spans, as subclasses and wrappers the composition root builds in place of
the plain ones: records processed by outcome, the stream lag, a span per handler continuing the
trace of the transfer that committed the record, notifications by their final outcome."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

from services.domain.events import BalanceChanged
from services.dynamo.outbox import DynamoNotificationOutbox
from services.notifications.model import Notification
from services.observability import metrics
from services.observability.tracing import continued_span, tracing_enabled
from services.streams.poller import StreamPoller
from services.streams.processor import BatchResult, StreamProcessor


def _created_at(record: Mapping[str, Any]) -> float | None:
    # A datetime from GetRecords (aiobotocore parses it), epoch seconds in a Lambda event.
    value = record.get("dynamodb", {}).get("ApproximateCreationDateTime")
    if isinstance(value, datetime):
        return value.timestamp()
    if isinstance(value, int | float):
        return float(value)
    return None


class MeteredStreamProcessor(StreamProcessor):
    """The processor, counting records by outcome and setting the lag from each batch."""

    async def process_records(self, records: Sequence[Mapping[str, Any]]) -> BatchResult:
        result = await super().process_records(records)
        failed = len(result.failed)
        if failed:
            metrics.stream_records.labels("failed").inc(failed)
        if result.processed > failed:
            metrics.stream_records.labels("ok").inc(result.processed - failed)
        created = [c for c in map(_created_at, records) if c is not None]
        if created:
            metrics.stream_lag.set(max(0.0, time.time() - max(created)))
        return result


class MeteredStreamPoller(StreamPoller):
    """The poller, reporting no lag once a round finds nothing new (caught up)."""

    async def poll_once(self) -> int:
        read = await super().poll_once()
        if not read:
            metrics.stream_lag.set(0.0)
        return read


def traced_handler(
    name: str, handle: Callable[[BalanceChanged], Awaitable[None]]
) -> Callable[[BalanceChanged], Awaitable[None]]:
    """`handle` inside a span of the trace that committed the event (when traces are on)."""

    async def traced(event: BalanceChanged) -> None:
        if not tracing_enabled():
            await handle(event)
            return
        attributes: dict[str, str | int] = {
            "ledger.account_id": event.account_id,
            "ledger.version": event.version,
        }
        with continued_span(f"stream {name}", event.traceparent, attributes=attributes):
            await handle(event)

    return traced


class MeteredNotificationOutbox(DynamoNotificationOutbox):
    """The outbox, counting each notification's recorded outcome by channel."""

    async def mark_sent(
        self, notification: Notification, provider_message_id: str | None, attempts: int
    ) -> None:
        await super().mark_sent(notification, provider_message_id, attempts)
        metrics.notifications.labels(notification.channel.value.lower(), "sent").inc()

    async def mark_failed(self, notification: Notification, error: str, attempts: int) -> None:
        await super().mark_failed(notification, error, attempts)
        metrics.notifications.labels(notification.channel.value.lower(), "failed").inc()
