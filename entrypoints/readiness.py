"""/readyz: each dependency's state, from a result at most `max_age` old, so that frequent
probes (several load balancers, Kubernetes) never turn into a DynamoDB call each."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass

log = logging.getLogger(__name__)

Probe = Callable[[], Awaitable[str]]
"""Returns the dependency's state when it is usable ("ok", "running"); raises when it is not."""


@dataclass(frozen=True)
class Report:
    ready: bool
    checks: Mapping[str, str]

    def body(self) -> dict[str, object]:
        return {"status": "ok" if self.ready else "unavailable", "checks": dict(self.checks)}


class Readiness:
    def __init__(
        self,
        probes: Mapping[str, Probe],
        *,
        max_age: float = 1.0,
        timeout: float = 2.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._probes = dict(probes)
        self._max_age = max_age
        self._timeout = timeout
        self._clock = clock
        self._last: Report | None = None
        self._at = float("-inf")
        self._lock = asyncio.Lock()

    async def report(self) -> Report:
        """The latest report; probes run again (once, for all waiting callers) when it is
        older than `max_age`."""
        if self._last is not None and self._clock() - self._at < self._max_age:
            return self._last
        async with self._lock:
            if self._last is not None and self._clock() - self._at < self._max_age:
                return self._last
            states = await asyncio.gather(*(self._check(n, p) for n, p in self._probes.items()))
            checks = dict(zip(self._probes, states, strict=True))
            self._last = Report(all(s in ("ok", "running") for s in states), checks)
            self._at = self._clock()
            return self._last

    async def _check(self, name: str, probe: Probe) -> str:
        try:
            return await asyncio.wait_for(probe(), self._timeout)
        except TimeoutError:
            state = "timeout"
        except Exception as exc:  # noqa: BLE001 - any failure means "not ready"; logged
            state = "unavailable"
            log.warning("readiness check failed", extra={"check": name, "reason": repr(exc)})
            return state
        log.warning("readiness check failed", extra={"check": name, "reason": state})
        return state


def task_probe(task: asyncio.Task[None]) -> Probe:
    """A background task (the stream worker) is ready while it runs."""

    async def probe() -> str:
        if task.done():
            raise RuntimeError("stopped" if task.cancelled() else repr(task.exception()))
        return "running"

    return probe
