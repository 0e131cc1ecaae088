"""AWS Lambda entry point for the table's DynamoDB stream: `handle_dynamodb_stream`.

Configure the event source mapping with `FunctionResponseTypes: ["ReportBatchItemFailures"]`:
failed records are reported by sequence number and Lambda delivers them (and the ones after
them) again; effects are idempotent, so nothing happens twice.

The services are wired once per container and kept warm on a private event loop thread, so the
handler works whether or not the caller already runs an event loop.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Mapping
from concurrent.futures import Future
from contextlib import AsyncExitStack
from typing import Any

from services.bootstrap import StreamServices, bootstrap_stream_handlers
from services.observability.tracing import configure_tracing, flush_traces
from services.settings import Settings

log = logging.getLogger(__name__)


async def process_lambda_event(
    event: Mapping[str, Any], services: StreamServices
) -> dict[str, list[dict[str, str]]]:
    """Process a Lambda DynamoDB-stream event; the Lambda partial batch response."""
    records = list(event.get("Records") or [])
    result = await services.processor.process_records(records)
    await services.notifier.drain()  # the container may freeze once we return
    if result.failed:
        log.warning(
            "stream batch had failures",
            extra={"records": len(records), "failed": len(result.failed)},
        )
    return {"batchItemFailures": [{"itemIdentifier": number} for number in result.failed]}


class _Container:
    """Services and their event loop, kept for the life of the Lambda container."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._stack: AsyncExitStack | None = None
        self.services: StreamServices | None = None

    def run(self, coroutine: Any) -> Any:
        loop = self._ensure_loop()
        future: Future[Any] = asyncio.run_coroutine_threadsafe(coroutine, loop)
        return future.result()

    async def ensure_services(self) -> StreamServices:
        if self.services is None:
            stack = AsyncExitStack()
            self.services = await stack.enter_async_context(bootstrap_stream_handlers(Settings()))
            self._stack = stack
        return self.services

    def close(self) -> None:
        """Close the services and stop the loop (tests; Lambda just freezes the container)."""
        with self._lock:
            if self._loop is None:
                return
            if self._stack is not None:
                self.run(self._stack.aclose())
            self._loop.call_soon_threadsafe(self._loop.stop)
            if self._thread is not None:
                self._thread.join(timeout=10)
            self._loop.close()
            self._loop, self._thread, self._stack, self.services = None, None, None, None

    def _ensure_loop(self) -> asyncio.AbstractEventLoop:
        with self._lock:
            if self._loop is None:
                loop = asyncio.new_event_loop()
                self._thread = threading.Thread(
                    target=loop.run_forever, name="lambda-loop", daemon=True
                )
                self._thread.start()
                self._loop = loop
            return self._loop


_container = _Container()


def handle_dynamodb_stream(event: Mapping[str, Any], context: object) -> dict[str, Any]:
    """Lambda handler: the original's HandleDynamoDBStream, reporting partial failures."""

    async def handle() -> dict[str, Any]:
        return await process_lambda_event(event, await _container.ensure_services())

    configure_tracing("ledger-stream")
    result: dict[str, Any] = _container.run(handle())
    flush_traces()  # the container may freeze once we return
    return result


def close() -> None:
    """Release the warm services (for tests and local runs)."""
    _container.close()
