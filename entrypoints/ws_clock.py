"""SocketClock: one task for the timers of every websocket of a view, instead of two sleeping
tasks per socket (the keep-alive and the wait for `connection_init`).

An idle subscriber is mostly waiting; each sleeping task it kept (task, coroutine frame,
timer handle, future) cost more than the rest of its keep-alive. The clock keeps the sockets
in one dict: every `keep_alive_seconds` it pings the ones that are acknowledged, and it closes
(4408) those still uninitialised when their deadline passes; deadlines come in arrival order,
so they wait in a deque. The task runs only while some socket is registered.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Protocol

log = logging.getLogger(__name__)

#: Pings sent at once; the next chunk waits for these (a slow socket delays only its chunk).
CHUNK = 32
#: The pause between two chunks. A round of 10,000 pings costs about half a second of CPU;
#: sent at once, in chunks of 256, it delayed a delivery behind it by up to 0.9 s. Spread
#: over about 3 s, what runs meanwhile waits for one chunk at most.
CHUNK_SPACING_SECONDS = 0.01


class Ticking(Protocol):
    """A websocket handler the clock drives."""

    def is_initialised(self) -> bool: ...

    def wants_ping(self) -> bool: ...

    async def ping(self) -> None:
        """Send the protocol's keep-alive; may raise when the socket is closing."""
        ...

    async def init_timed_out(self) -> None:
        """Close the socket: no `connection_init` came in time."""
        ...


class SocketClock:
    def __init__(self, keep_alive_seconds: float | None, init_timeout_seconds: float) -> None:
        self._keep_alive = keep_alive_seconds or None
        self._init_timeout = init_timeout_seconds
        self._sockets: dict[Ticking, None] = {}
        self._waiting: deque[tuple[float, Ticking]] = deque()
        #: What the task sleeps on: resolved by its timer, or early by add/discard.
        self._waiter: asyncio.Future[None] | None = None
        self._task: asyncio.Task[None] | None = None

    def __len__(self) -> int:
        return len(self._sockets)

    def add(self, socket: Ticking) -> None:
        """Drive `socket` from now on: its init deadline starts now."""
        self._sockets[socket] = None
        self._waiting.append((time.monotonic() + self._init_timeout, socket))
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._run(), name="ws-clock")
        elif len(self._waiting) == 1:
            self._wake()  # it may sleep past this deadline: let it look again

    def discard(self, socket: Ticking) -> None:
        self._sockets.pop(socket, None)
        if not self._sockets:
            self._waiting.clear()
            self._wake()  # nothing left to time: let the task end now

    async def aclose(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        next_ping = time.monotonic() + (self._keep_alive or 0)
        while self._sockets:
            now = time.monotonic()
            wake_at = next_ping if self._keep_alive else float("inf")
            if self._waiting:
                wake_at = min(wake_at, self._waiting[0][0])
            await self._sleep(max(0.0, wake_at - now))
            now = time.monotonic()
            await self._expire(now)
            if self._keep_alive and now >= next_ping:
                await self._ping_all()
                next_ping = max(next_ping + self._keep_alive, now)

    async def _sleep(self, seconds: float) -> None:
        loop = asyncio.get_running_loop()
        self._waiter = waiter = loop.create_future()
        timer = loop.call_later(seconds, _resolve, waiter)
        try:
            await waiter
        finally:
            timer.cancel()
            self._waiter = None

    def _wake(self) -> None:
        if self._waiter is not None:
            _resolve(self._waiter)

    async def _expire(self, now: float) -> None:
        while self._waiting and self._waiting[0][0] <= now:
            _, socket = self._waiting.popleft()
            if socket in self._sockets and not socket.is_initialised():
                await _quietly(socket.init_timed_out)

    async def _ping_all(self) -> None:
        due = [socket for socket in self._sockets if socket.wants_ping()]
        starts = range(0, len(due), CHUNK)
        # Never spread over more than half the interval: the next round starts on time.
        spacing = min(CHUNK_SPACING_SECONDS, (self._keep_alive or 0) / 2 / max(1, len(starts)))
        for start in starts:
            if start:
                await asyncio.sleep(spacing)
            chunk = [s for s in due[start : start + CHUNK] if s in self._sockets]  # still open
            await asyncio.gather(*(_quietly(s.ping) for s in chunk))


def _resolve(waiter: asyncio.Future[None]) -> None:
    if not waiter.done():
        waiter.set_result(None)


async def _quietly(action: Callable[[], Awaitable[None]]) -> None:
    # The coroutine is made here, inside the task: a task cancelled before it starts (the
    # clock stopping mid-round) leaves no coroutine that was never awaited.
    try:
        await action()
    except Exception as exc:  # noqa: BLE001 - the socket is closing: its loop ends it
        log.debug("socket timer action not done", extra={"reason": repr(exc)})
