"""What the composition root calls to put the metric and trace wrappers in place: one line per
part it builds, each a no-op (the plain class, the unwrapped callable) when
LEDGER_METRICS_ENABLED is false. Traces need no switch: their hooks cost nothing while off."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from services.domain.events import BalanceChanged
from services.dynamo.outbox import DynamoNotificationOutbox
from services.dynamo.store import DynamoLedgerStore
from services.hub.fast_path import LiveFastPath
from services.hub.ports import EventHub
from services.ledger.facade import Ledger
from services.observability.dynamodb import observe_dynamodb
from services.observability.hub import MeteredLiveFastPath, ObservedHub
from services.observability.ledger import MeteredLedgerStore, observe_ledger
from services.observability.settings import metrics_enabled
from services.observability.streams import (
    MeteredNotificationOutbox,
    MeteredStreamPoller,
    MeteredStreamProcessor,
    traced_handler,
)
from services.streams.poller import StreamPoller
from services.streams.processor import StreamProcessor


def client(dynamodb: Any) -> Any:
    if metrics_enabled():
        observe_dynamodb(dynamodb)
    return dynamodb


def ledger(built: Ledger) -> Ledger:
    return observe_ledger(built) if metrics_enabled() else built


def ledger_store() -> type[DynamoLedgerStore]:
    return MeteredLedgerStore if metrics_enabled() else DynamoLedgerStore


def outbox() -> type[DynamoNotificationOutbox]:
    return MeteredNotificationOutbox if metrics_enabled() else DynamoNotificationOutbox


def processor() -> type[StreamProcessor]:
    return MeteredStreamProcessor if metrics_enabled() else StreamProcessor


def poller() -> type[StreamPoller]:
    return MeteredStreamPoller if metrics_enabled() else StreamPoller


def handler(
    name: str, handle: Callable[[BalanceChanged], Awaitable[None]]
) -> Callable[[BalanceChanged], Awaitable[None]]:
    return traced_handler(name, handle)


def feed_hub(hub: EventHub) -> EventHub:
    """The hub as the balance feed sees it: subscriptions counted, deliveries traced."""
    return ObservedHub(hub) if metrics_enabled() else hub


def fast_path() -> type[LiveFastPath]:
    return MeteredLiveFastPath if metrics_enabled() else LiveFastPath
