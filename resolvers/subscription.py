"""Subscription fields: live balance changes from the resumable balance feed."""

from __future__ import annotations

import contextvars
from collections.abc import AsyncGenerator, AsyncIterable

import strawberry
from graphql import GraphQLError

from graph.context import Context, Info
from graph.errors import request_error
from graph.live import BalanceChange, subscription_closed
from graph.push import Deliver, End
from services import LedgerError
from services.domain.events import BalanceChanged
from services.hub import BalanceStream, SubscriptionClosed
from services.hub.pushed import PushedChanges

#: The service's argument names -> the field's argument names.
ARGUMENTS = {"account_id": "accountId", "after_version": "afterVersion"}


async def balance_changed(
    info: Info, account_id: strawberry.ID, after_version: int | None = strawberry.UNSET
) -> AsyncIterable[BalanceChange]:
    """Check the arguments before the stream starts, so a bad one is the operation's error
    (`extensions.code` ACCOUNT_NOT_FOUND or INVALID_INPUT) rather than a failed first event."""
    if after_version is strawberry.UNSET:
        after_version = None
    feed = info.context.balances
    if feed is None:
        raise GraphQLError("live balances are not served here")
    try:
        # Without afterVersion: after the version it reads, so nothing between that read and
        # the hub's subscription is missed, and a closed subscription knows where to resume.
        principal = info.context.ledger.principal
        stream = await feed.open(str(account_id), after_version, principal=principal)
    except LedgerError as error:
        raise request_error(error, ARGUMENTS) from error
    return LiveChanges(info.context, stream)


class LiveChanges:
    """The account's changes as BalanceChange events: iterated (graphql-core's way, for the
    legacy protocol and `Schema.subscribe`) or pushed (graph.push, for graphql-transport-ws:
    no task while nothing happens)."""

    __slots__ = ("_context", "_deliver", "_end", "_pushed", "_stream")

    def __init__(self, context: Context, stream: BalanceStream) -> None:
        self._context = context
        self._stream = stream
        self._deliver: Deliver | None = None
        self._end: End | None = None
        self._pushed: PushedChanges | None = None

    def __aiter__(self) -> AsyncGenerator[BalanceChange, None]:
        return _changes(self._context, self._stream, self._stream.start)

    def push(self, deliver: Deliver, end: End, *, context: contextvars.Context) -> None:
        self._deliver = deliver
        self._end = end
        self._pushed = self._stream.push(self._delivered, self._ended, context=context)

    async def aclose(self) -> None:
        await self._stream.aclose()

    async def _delivered(self, event: BalanceChanged) -> None:
        assert self._deliver is not None
        _forget_reads(self._context)
        await self._deliver(BalanceChange.from_domain(event))

    async def _ended(self, error: Exception) -> None:
        assert self._end is not None
        assert self._pushed is not None
        if isinstance(error, SubscriptionClosed):
            error = subscription_closed(error.reason, self._pushed.last)
        elif isinstance(error, LedgerError):
            error = request_error(error, ARGUMENTS)
        await self._end(error)


def _forget_reads(context: Context) -> None:
    # The operation's loaders live as long as the subscription: forget what the last
    # event's fields read, or `entry.transfer.fromAccount.balance` would stay stale.
    context.accounts.clear_all()
    context.transfers.clear_all()


async def _changes(
    context: Context, stream: BalanceStream, last: int
) -> AsyncGenerator[BalanceChange, None]:
    try:
        async for event in stream.changes:
            last = event.version
            _forget_reads(context)
            yield BalanceChange.from_domain(event)
    except SubscriptionClosed as closed:
        raise subscription_closed(closed.reason, last) from None
    except LedgerError as error:
        raise request_error(error, ARGUMENTS) from error
    finally:
        await stream.aclose()  # closes its hub subscription


@strawberry.type
class Subscription:
    balance_changed: AsyncIterable[BalanceChange] = strawberry.subscription(
        resolver=balance_changed,
        description="Every committed change of the account's balance, in version order, "
        "each once. With `afterVersion` it first replays the changes after that version, then "
        "continues live, with no gap and no duplicate. A holder watches its own accounts only "
        "(another's is ACCOUNT_NOT_FOUND). Errors: ACCOUNT_NOT_FOUND, "
        "INVALID_INPUT (before any event); SUBSCRIPTION_CLOSED when the server closes it (a "
        "subscriber too slow to keep up, or a shutdown): resubscribe with "
        "`extensions.afterVersion`.",
    )
