"""CredentialWatch: a socket is closed (4403) when its token expires or its API key is found
revoked, with a timer (no task) while nothing is due."""

from __future__ import annotations

import asyncio
import gc
import weakref
from datetime import UTC, datetime, timedelta
from typing import Any

from entrypoints.ws_credential import FORBIDDEN, CredentialWatch, next_check_in
from services.identity.errors import Unauthenticated
from services.identity.principal import AuthMethod, Principal

NOW = datetime(2026, 11, 30, tzinfo=UTC)


class Socket:
    """The context and close a handler gives its watch."""

    def __init__(self, principal: Principal, *, revoked_after: int | None = None) -> None:
        self.principal = principal
        self.credential = "Bearer x"
        self.checks = 0
        self.closed: list[tuple[int, str]] = []
        self._revoked_after = revoked_after
        self._failing = False

    async def authenticate(self, credential: str | None) -> Principal:
        self.checks += 1
        if self._failing:
            self._failing = False
            raise ConnectionError("the key store did not answer")
        if self._revoked_after is not None and self.checks > self._revoked_after:
            raise Unauthenticated("revoked")
        return self.principal

    def fail_once(self) -> None:
        self._failing = True

    async def close(self, code: int, reason: str) -> None:
        self.closed.append((code, reason))


def watch(socket: Socket, recheck: float = 0.02) -> CredentialWatch:
    watching = CredentialWatch()
    watching.start(socket, socket.close, recheck)  # type: ignore[arg-type]
    return watching


def pending_tasks() -> set[asyncio.Task[Any]]:
    return {t for t in asyncio.all_tasks() if not t.done()}


def token(expires_in: float) -> Principal:
    expires_at = datetime.now(UTC) + timedelta(seconds=expires_in)
    return Principal("alice", False, AuthMethod.JWT, expires_at=expires_at)


def api_key() -> Principal:
    return Principal("alice", False, AuthMethod.API_KEY, api_key_id="k1")


def test_when_the_next_check_is_due() -> None:
    assert next_check_in(Principal("a", False, AuthMethod.DISABLED), 5, NOW) is None
    expiring = Principal("a", False, AuthMethod.JWT, expires_at=NOW + timedelta(seconds=60))
    assert next_check_in(expiring, 5, NOW) == 60
    assert next_check_in(expiring, 5, NOW + timedelta(seconds=61)) == 0
    key = Principal("a", False, AuthMethod.API_KEY, expires_at=NOW + timedelta(seconds=3))
    assert next_check_in(key, 5, NOW) == 3
    assert next_check_in(Principal("a", False, AuthMethod.API_KEY, api_key_id="k"), 5, NOW) == 5


async def test_a_token_socket_waits_on_a_timer_and_closes_at_expiry() -> None:
    socket = Socket(token(0.1))
    before = pending_tasks()
    watching = watch(socket)
    await asyncio.sleep(0.02)
    assert pending_tasks() == before  # a timer, not a sleeping task
    assert socket.closed == []
    await asyncio.sleep(0.2)
    assert socket.closed == [(FORBIDDEN, "credentials expired")]
    assert pending_tasks() == before
    await watching.stop()


async def test_an_api_key_is_checked_again_until_revoked() -> None:
    socket = Socket(api_key(), revoked_after=3)
    watching = watch(socket)
    await asyncio.sleep(0.3)
    assert socket.checks == 4
    assert socket.closed == [(FORBIDDEN, "credentials revoked")]
    await watching.stop()


async def test_a_failed_check_is_tried_again() -> None:
    socket = Socket(api_key())
    socket.fail_once()
    watching = watch(socket)
    await asyncio.sleep(0.15)
    assert socket.checks >= 3
    assert socket.closed == []
    await watching.stop()


async def test_stop_ends_the_watch() -> None:
    socket = Socket(api_key())
    watching = watch(socket)
    await asyncio.sleep(0.05)
    await watching.stop()
    checks = socket.checks
    await asyncio.sleep(0.1)
    assert socket.checks == checks
    assert socket.closed == []


async def test_a_stopped_watch_lets_go_of_its_socket() -> None:
    """The handler holds its watch and the watch its handler's close: once stopped, the pair
    is freed as soon as the socket is dropped, not at the next full collection."""
    socket = Socket(api_key())
    socket.watch = watch(socket)  # type: ignore[attr-defined]
    await asyncio.sleep(0.05)
    await socket.watch.stop()  # type: ignore[attr-defined]
    gone = weakref.ref(socket)
    gc.disable()
    try:
        del socket
        assert gone() is None
    finally:
        gc.enable()


async def test_nothing_is_watched_for_a_credential_without_expiry() -> None:
    socket = Socket(Principal("dev", True, AuthMethod.DISABLED))
    watching = watch(socket)
    await asyncio.sleep(0.05)
    assert socket.checks == 0
    assert socket.closed == []
    await watching.stop()
