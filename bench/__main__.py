"""`python -m bench [--smoke] [--output PATH]`: start what is needed, run the five workloads,
print the table and (full runs) write BENCHMARKS.md."""

from __future__ import annotations

import argparse
import contextlib
import os
import platform
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path

import uvloop

from bench.context import Run
from bench.report import Section, markdown, terminal
from embedded_dynamodb import EmbeddedDynamoDB

ROOT = Path(__file__).resolve().parent.parent
NOTES = Path(__file__).with_name("notes.md")
Workload = Callable[[Run], Awaitable[Section]]


def workloads() -> list[tuple[str, Workload]]:
    from bench import auth, batch, density, fanout, history, hot, latency, observability, transfers

    return [
        ("1", transfers.workload),
        ("2", history.workload),
        ("3", fanout.workload),
        ("4", hot.workload),
        ("5", batch.workload),
        ("6", observability.workload),
        ("8", auth.workload),
        ("9", latency.workload),
        ("10", density.workload),
    ]


async def run_all(run: Run, only: set[str]) -> list[Section]:
    sections: list[Section] = []
    for number, workload in workloads():
        if only and number not in only:
            continue
        run.progress(f"workload {number}: start")
        sections.append(await workload(run))
        run.progress(f"workload {number}: done")
    return sections


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return (
        f"{os.cpu_count()} cores ({cpu}), {platform.system()} {platform.release()}, "
        f"Python {platform.python_version()}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--smoke", action="store_true", help="tiny counts, writes nothing")
    parser.add_argument("--output", type=Path, help="where to write the report")
    parser.add_argument("--only", default="", help="comma-separated workload numbers")
    args = parser.parse_args(argv)
    output: Path | None = args.output or (None if args.smoke else ROOT / "BENCHMARKS.md")
    only = {part.strip() for part in args.only.split(",") if part.strip()}

    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="ledger-bench-") as logs:
        print(f"starting the embedded DynamoDB endpoint (server logs in {logs})", flush=True)
        with EmbeddedDynamoDB() as endpoint_url:
            run = Run(endpoint_url, Path(logs), args.smoke, started)
            sections = uvloop.run(run_all(run, only))
    elapsed = time.monotonic() - started
    print(terminal(sections), flush=True)
    print(f"\nwall time {elapsed:.0f} s", flush=True)
    if output is not None:
        command = "make bench (python -m bench)" if not args.smoke else "python -m bench --smoke"
        if argv is None and len(sys.argv) > 1 and not args.smoke:
            command = "python -m bench " + " ".join(sys.argv[1:])
        output.write_text(
            markdown(
                sections,
                date=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
                machine=machine(),
                command=command,
                elapsed=f"{elapsed:.0f} s",
                notes=NOTES.read_text() if NOTES.exists() else "",
            )
        )
        print(f"wrote {output}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
