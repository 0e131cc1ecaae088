"""The ledger's metrics, as wrappers: transfers, exchanges and quotes by outcome around the use
cases, retries by cause around the store's commit. Built by the composition root
(services/bootstrap/ledger.py)."""

from __future__ import annotations

import functools
from collections.abc import Callable, Coroutine
from typing import Any, ParamSpec, TypeVar

from prometheus_client import Counter

from services.domain.errors import LedgerError
from services.dynamo.store import DynamoLedgerStore
from services.ledger.facade import Ledger
from services.ledger.planning import TransferPlan
from services.ledger.ports import TransientStoreError, VersionConflict
from services.observability import metrics

P = ParamSpec("P")
T = TypeVar("T")

COMMITTED = "committed"


def counted_transfers(
    transfer: Callable[P, Coroutine[Any, Any, T]],
    counter: Counter = metrics.transfers,
    done: str = COMMITTED,
) -> Callable[P, Coroutine[Any, Any, T]]:
    """`transfer`, counting each call's outcome on `counter`: `done` (a replayed key
    included), or the code of the LedgerError it raised. Unexpected exceptions are left to
    the GraphQL metrics."""

    @functools.wraps(transfer)
    async def counted(*args: P.args, **kwargs: P.kwargs) -> T:
        try:
            moved = await transfer(*args, **kwargs)
        except LedgerError as error:
            counter.labels(str(error.code.value)).inc()
            raise
        counter.labels(done).inc()
        return moved

    return counted


def counted_holds(
    operation: str, call: Callable[P, Coroutine[Any, Any, T]]
) -> Callable[P, Coroutine[Any, Any, T]]:
    """A hold use case's `call`, counting each outcome under `operation`."""

    @functools.wraps(call)
    async def counted(*args: P.args, **kwargs: P.kwargs) -> T:
        try:
            result = await call(*args, **kwargs)
        except LedgerError as error:
            metrics.holds.labels(operation, str(error.code.value)).inc()
            raise
        metrics.holds.labels(operation, COMMITTED).inc()
        return result

    return counted


def observe_ledger(ledger: Ledger) -> Ledger:
    """Wrap the transfer use case with its metrics (in place; returns `ledger`). Both names
    are rebound: callers acting for a principal (ActingLedger) reach `ledger.transfers`, the
    library's callers the facade's alias of it."""
    counted = counted_transfers(ledger.transfers.transfer_credits)
    ledger.transfers.transfer_credits = counted  # type: ignore[method-assign]
    ledger.transfer_credits = counted
    if ledger.exchanges is not None:
        exchanges = ledger.exchanges
        exchanges.exchange = counted_transfers(  # type: ignore[method-assign]
            exchanges.exchange, metrics.exchanges
        )
        exchanges.quote = counted_transfers(  # type: ignore[method-assign]
            exchanges.quote, metrics.quotes, "given"
        )
    if ledger.holds is not None:
        holds = ledger.holds
        holds.authorize_transfer = counted_holds("authorize", holds.authorize_transfer)  # type: ignore[method-assign]
        holds.capture_transfer = counted_holds("capture", holds.capture_transfer)  # type: ignore[method-assign]
        holds.void_transfer = counted_holds("void", holds.void_transfer)  # type: ignore[method-assign]
        holds.expire = counted_holds("expire", holds.expire)  # type: ignore[method-assign]
    return ledger


class MeteredLedgerStore(DynamoLedgerStore):
    """The DynamoDB store, counting the failed commits the transfer use case retries."""

    async def commit_transfer(self, plan: TransferPlan) -> None:
        try:
            await super().commit_transfer(plan)
        except VersionConflict:
            metrics.transfer_retries.labels("version_conflict").inc()
            raise
        except TransientStoreError:
            metrics.transfer_retries.labels("transient").inc()
            raise
