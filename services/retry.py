"""Capped exponential backoff with full jitter, for retrying one write safely."""

from __future__ import annotations

import asyncio
import random
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Backoff:
    base_seconds: float
    cap_seconds: float

    def delay(self, attempt: int) -> float:
        """Full jitter: uniform in [0, min(cap, base * 2**attempt)] so retries spread out."""
        ceiling = min(self.cap_seconds, self.base_seconds * (2 ** min(attempt, 30)))
        return random.uniform(0, ceiling)

    async def sleep(self, attempt: int) -> None:
        await asyncio.sleep(self.delay(attempt))
