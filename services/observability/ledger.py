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
