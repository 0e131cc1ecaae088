"""No websocket outlives its credential: a token's socket is closed (4403) when the token
expires, an API key's when a re-check every few seconds finds the key revoked.

Each socket's watch is a timer until its next check is due, not a sleeping task: a task,
its coroutine frames and its future, on every idle subscriber, cost more than a whole
keep-alive. A task exists only while a check runs.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from strawberry.http.exceptions import WebSocketDisconnected

from graph.context import Context
from services.identity.errors import Unauthenticated
from services.identity.principal import Principal

log = logging.getLogger(__name__)

#: The close code of a socket whose credential stopped being valid.
FORBIDDEN = 4403
#: How often a socket authenticated by an API key checks that the key still stands.
CREDENTIAL_RECHECK_SECONDS = 5.0

Closer = Callable[[int, str], Awaitable[None]]


def next_check_in(principal: Principal, recheck_seconds: float, now: datetime) -> float | None:
    """Seconds until the credential must be checked again: at a token's expiry, and every
    `recheck_seconds` for an API key; None when nothing can expire."""
    delay = recheck_seconds if principal.api_key_id is not None else None
    if principal.expires_at is not None:
        until_expiry = (principal.expires_at - now).total_seconds()
        delay = until_expiry if delay is None else min(delay, until_expiry)
    return None if delay is None else max(delay, 0.0)


class CredentialWatch:
    """One socket's watch; `start` it once the socket is authenticated, `stop` it when the
    socket ends."""

    __slots__ = ("_checking", "_close", "_context", "_recheck", "_timer")

    def __init__(self) -> None:
        self._context: Context | None = None
        self._close: Closer | None = None
        self._recheck = CREDENTIAL_RECHECK_SECONDS
        self._timer: asyncio.TimerHandle | None = None
        self._checking: asyncio.Task[None] | None = None

    def start(self, context: Context, close: Closer, recheck_seconds: float) -> None:
        if self._context is not None or context.principal is None:
            return
        self._context, self._close, self._recheck = context, close, recheck_seconds
        self._arm()

    async def stop(self) -> None:
        self._context = None  # no check re-arms after this
        # The closer is a bound method of the handler holding this watch: kept, the whole
        # socket (its protocol and transport) would wait for a full collection.
        self._close = None
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        checking, self._checking = self._checking, None
        if checking is not None and checking is not asyncio.current_task():
            checking.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await checking

    def _arm(self) -> None:
        context = self._context
        if context is None or context.principal is None:
            return
        delay = next_check_in(context.principal, self._recheck, datetime.now(UTC))
        if delay is not None:  # else a development-disabled or system principal
            self._timer = asyncio.get_running_loop().call_later(delay, self._due)

    def _due(self) -> None:
        self._timer = None
        if self._context is not None:
            self._checking = asyncio.get_running_loop().create_task(self._check())

    async def _check(self) -> None:
        context, close = self._context, self._close
        assert context is not None
        assert close is not None
        try:
            try:
                reason = await refusal(context)
            except Exception as error:  # noqa: BLE001 - a check that failed is tried again
                log.warning("credential re-check failed", extra={"error": repr(error)})
                reason = None
            if reason is not None:
                # The socket closing ends its handler, which stops this watch.
                with contextlib.suppress(WebSocketDisconnected, RuntimeError, OSError):
                    await close(FORBIDDEN, reason)
                return
        finally:
            self._checking = None
        self._arm()


async def refusal(context: Context) -> str | None:
    """Why the socket's credential no longer stands (the close reason), or None."""
    principal = context.principal
    assert principal is not None
    if principal.expired(datetime.now(UTC)):
        return "credentials expired"
    if principal.api_key_id is not None:
        try:
            await context.authenticate(context.credential)
        except Unauthenticated:
            return "credentials revoked"
    return None
