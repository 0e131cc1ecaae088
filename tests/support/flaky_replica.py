"""An API replica under a real uvicorn, in a process of its own, whose commit-time fast path
fails at random: `python -m tests.support.flaky_replica PORT FAILURE_RATE SEED SETTINGS_JSON`.

Each publish of the fast path raises (before reaching the hub) with probability FAILURE_RATE;
the count shows in /metrics as ledger_live_fast_path_events_total{outcome="failed"}.
"""

from __future__ import annotations

import json
import random
import sys
from typing import Any

import uvicorn

from entrypoints.app import create_app
from entrypoints.ws_protocol import LeanWebSocketProtocol
from services.domain.events import BalanceChanged
from services.hub.ports import EventHub
from services.observability import wiring as observed
from services.settings import Settings


class InjectedFailure(RuntimeError):
    """What the flaky hub raises instead of publishing."""


class FlakyHub:
    def __init__(self, hub: EventHub, rate: float, rng: random.Random) -> None:
        self._hub = hub
        self._rate = rate
        self._rng = rng

    async def publish(self, event: BalanceChanged) -> None:
        if self._rng.random() < self._rate:
            raise InjectedFailure(f"injected failure for {event.account_id} v{event.version}")
        await self._hub.publish(event)


def main(argv: list[str]) -> None:
    port, rate, seed, raw = int(argv[0]), float(argv[1]), int(argv[2]), argv[3]
    rng = random.Random(seed)
    fast_path = observed.fast_path()

    def flaky(hub: EventHub, **options: Any) -> Any:
        return fast_path(FlakyHub(hub, rate, rng), **options)  # type: ignore[arg-type]

    observed.fast_path = lambda: flaky  # type: ignore[assignment,return-value]
    app = create_app(Settings(**json.loads(raw)))
    uvicorn.run(
        app,
        host="127.0.0.1",
        port=port,
        log_level="warning",
        access_log=False,
        ws=LeanWebSocketProtocol,
    )


if __name__ == "__main__":
    main(sys.argv[1:])
