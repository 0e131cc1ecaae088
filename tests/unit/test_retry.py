from __future__ import annotations

import random

import pytest

from services.retry import Backoff


@pytest.mark.parametrize(
    ("attempt", "ceiling"), [(0, 0.1), (1, 0.2), (2, 0.4), (3, 0.8), (4, 1.0), (10, 1.0)]
)
def test_delay_is_full_jitter_below_the_capped_exponential(attempt: int, ceiling: float) -> None:
    backoff = Backoff(base_seconds=0.1, cap_seconds=1.0)
    random.seed(attempt)
    delays = [backoff.delay(attempt) for _ in range(2000)]
    assert all(0 <= delay <= ceiling for delay in delays)
    # Full jitter: spread over the whole range, not bunched at the ceiling.
    assert min(delays) < ceiling * 0.05
    assert max(delays) > ceiling * 0.95


def test_delay_stays_capped_for_huge_attempt_numbers() -> None:
    backoff = Backoff(base_seconds=0.5, cap_seconds=2.0)
    assert all(0 <= backoff.delay(10**6) <= 2.0 for _ in range(100))


def test_zero_base_means_no_wait() -> None:
    assert Backoff(base_seconds=0, cap_seconds=5).delay(3) == 0
