"""Workload 6 (issue 15): what metrics and request ids cost per transfer, on against off in the
same run. `python -m bench --only 6 --output PATH` (never the default output: it would replace
BENCHMARKS.md with this section alone)."""

from __future__ import annotations

import asyncio
from decimal import Decimal

from bench.context import API_ONLY, Run
from bench.data import account, dynamodb, put_accounts
from bench.procs import Server
from bench.report import Section, Target
from bench.stats import safe_div
from bench.transfers import Measured, drive, row
from services.ledger.ids import new_id

CONCURRENCY = (1, 16)
ROUNDS = 4
TARGET = 0.03


def _total(parts: list[Measured]) -> Measured:
    return Measured(
        sum(p.count for p in parts),
        sum(p.wall for p in parts),
        sum(p.cpu for p in parts),
        [latency for p in parts for latency in p.latencies],
    )


async def workload(run: Run) -> Section:
    section = Section(
        "6. Metrics and request ids",
        ["what", "concurrency", "ops", "throughput", "p50", "p99", "server CPU/op"],
    )
    table = f"w6-{new_id()}"
    on = await run.ledger_server(table, **API_ONLY, LEDGER_METRICS_ENABLED="true")
    off = await run.ledger_server(table, **API_ONLY, LEDGER_METRICS_ENABLED="false")
    overheads: list[str] = []
    met = True
    try:
        async with dynamodb(run.endpoint_url) as client:
            for concurrency in CONCURRENCY:
                count = run.scale(max(400, 16 * concurrency), concurrency)
                tag = new_id()
                pairs = [(f"w6-{tag}-{i}-a", f"w6-{tag}-{i}-b") for i in range(concurrency)]
                await put_accounts(
                    client,
                    table,
                    [account(a, Decimal(100000), 1) for a, _ in pairs]
                    + [account(b) for _, b in pairs],
                )
                measured: dict[str, list[Measured]] = {"on": [], "off": []}
                servers: list[tuple[str, Server]] = [("on", on), ("off", off)]
                for round_ in range(run.scale(ROUNDS, 1)):
                    # Alternate which goes first, so drift on a shared machine hits both alike.
                    for name, server in servers if round_ % 2 == 0 else servers[::-1]:
                        run.progress(f"w6 metrics {name}: {count} at concurrency {concurrency}")
                        measured[name].append(
                            await drive(server, pairs, count, warmup=2 * concurrency)
                        )
                with_metrics, without = _total(measured["on"]), _total(measured["off"])
                section.rows += [
                    row("transfer, metrics and request ids on", concurrency, with_metrics),
                    row("transfer, metrics and request ids off", concurrency, without),
                ]
                overhead = safe_div(with_metrics.cpu_per_op, without.cpu_per_op) - 1
                overheads.append(f"{overhead:+.1%} at {concurrency}")
                met = met and overhead < TARGET
    finally:
        await asyncio.gather(asyncio.to_thread(on.stop), asyncio.to_thread(off.stop))
    section.targets.append(
        Target(
            "6. server CPU per transfer, metrics and request ids on / off - 1",
            f"< {TARGET:.0%}",
            ", ".join(overheads),
            met,
        )
    )
    section.method = (
        "Two `ledger serve` processes on the same table of the embedded endpoint, API only, "
        "one with LEDGER_METRICS_ENABLED=true (the default: Prometheus metrics, the GraphQL "
        "metrics extension, DynamoDB call hooks, request ids), one with it false; traces off "
        "in both (no OTEL_* exporter). The transfer workload of section 1 runs against each "
        f"in {ROUNDS} alternating rounds per concurrency, so drift on the shared machine "
        "falls on both; server CPU per transfer is summed over the rounds."
    )
    return section
