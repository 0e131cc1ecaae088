"""`process_records`: stream records to domain events to handlers, shared by the poller and the
Lambda handler.

Each handler runs on its own: it is retried with backoff, and its failure never stops the
other handlers of the same event. A record fails (and is reported, so that it is delivered
again) only when it cannot be decoded or a `required` handler kept failing; effects are
idempotent, so a redelivered record repeats nothing that already happened.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from services.domain.events import BalanceChanged
from services.dynamo.stream_records import UndecodableRecord, decode_record, sequence_number
from services.retry import Backoff

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Handler:
    """Something done with every BalanceChanged: publish to the hub, notify the holder, ..."""

    name: str
    handle: Callable[[BalanceChanged], Awaitable[None]]
    #: A required handler's lasting failure fails the record, so it is delivered again.
    #: A best-effort one is logged and skipped (the hub: subscribers fill gaps themselves).
    required: bool = True
    #: Events handled at once. 1 keeps stream order (the hub); an order-free handler
    #: (notifications) may overlap its events' I/O.
    concurrency: int = 1


@dataclass(slots=True)
class BatchResult:
    processed: int = 0
    events: int = 0
    #: Sequence numbers of the records that failed, in stream order.
    failed: list[str] = field(default_factory=list)
    #: Those of `failed` that cannot be decoded: no retry will ever handle them.
    undecodable: list[str] = field(default_factory=list)


class StreamProcessor:
    def __init__(
        self,
        handlers: Sequence[Handler],
        *,
        max_attempts: int = 3,
        backoff: Backoff | None = None,
    ) -> None:
        self._handlers = list(handlers)
        self._max_attempts = max(1, max_attempts)
        self._backoff = backoff or Backoff(0.05, 1.0)

    async def process_records(self, records: Sequence[Mapping[str, Any]]) -> BatchResult:
        """Handle a batch. Each handler takes the batch's events in stream order, one handler
        after the other (so the hub hears of the whole batch before any notification is sent).
        Never raises for a record: failures are returned, in stream order."""
        result = BatchResult(processed=len(records))
        failed: set[int] = set()
        undecodable: set[int] = set()
        events: list[tuple[int, BalanceChanged]] = []
        for position, record in enumerate(records):
            try:
                event = decode_record(record)
            except UndecodableRecord as exc:
                log.error("stream record undecodable", extra={"reason": str(exc)})
                failed.add(position)
                undecodable.add(position)
                continue
            if isinstance(event, BalanceChanged):
                events.append((position, event))
        result.events = len(events)
        for handler in self._handlers:
            for position in await self._run_handler(handler, events):
                if handler.required:
                    failed.add(position)
        result.failed = [sequence_number(records[p]) for p in sorted(failed)]
        result.undecodable = [sequence_number(records[p]) for p in sorted(undecodable)]
        return result

    async def _run_handler(
        self, handler: Handler, events: Sequence[tuple[int, BalanceChanged]]
    ) -> list[int]:
        """Positions of the events the handler kept failing on."""
        if handler.concurrency <= 1:
            return [p for p, event in events if not await self._run_isolated(handler, event)]
        slots = asyncio.Semaphore(handler.concurrency)

        async def run(event: BalanceChanged) -> bool:
            async with slots:
                return await self._run_isolated(handler, event)

        outcomes = await asyncio.gather(*(run(event) for _, event in events))
        return [p for (p, _), ok in zip(events, outcomes, strict=True) if not ok]

    async def _run_isolated(self, handler: Handler, event: BalanceChanged) -> bool:
        for attempt in range(self._max_attempts):
            try:
                await handler.handle(event)
                return True
            except Exception as exc:  # noqa: BLE001 - one handler must never stop the others
                last = attempt + 1 == self._max_attempts
                log.log(
                    logging.ERROR if last else logging.WARNING,
                    "stream handler failed",
                    extra={
                        "handler": handler.name,
                        "account_id": event.account_id,
                        "version": event.version,
                        "attempt": attempt + 1,
                        "error": repr(exc),
                    },
                )
                if not last:
                    await self._backoff.sleep(attempt)
        return False
