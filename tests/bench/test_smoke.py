"""The benchmark harness still runs: `python -m bench --smoke` exits 0 and prints its table.

Not a performance test: nothing about the figures is asserted (they live in BENCHMARKS.md).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_bench_smoke_runs_every_workload_and_prints_the_table(tmp_path: Path) -> None:
    before = (ROOT / "BENCHMARKS.md").read_bytes() if (ROOT / "BENCHMARKS.md").exists() else None
    result = subprocess.run(
        [sys.executable, "-m", "bench", "--smoke"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        # Eight workloads start a dozen server processes; on a loaded two-core machine the
        # start-ups alone took over 90 s (user CPU 25 s), so the limit catches hangs only.
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    for title in (
        "1. Transfer overhead",
        "2. History depth",
        "3. Subscription fan-out",
        "4. Hot account",
        "5. Batch lookups",
        "9. Commit to delivery latency (fast path)",
        "10. Idle subscriber density",
        "== Targets",
    ):
        assert title in result.stdout
    after = (ROOT / "BENCHMARKS.md").read_bytes() if (ROOT / "BENCHMARKS.md").exists() else None
    assert after == before, "--smoke must not overwrite BENCHMARKS.md"
