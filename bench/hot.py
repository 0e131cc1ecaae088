"""Workload 4: 64 concurrent transfers into one account vs. spread over 64 pairs."""

from __future__ import annotations

import asyncio
from decimal import Decimal

from bench.context import API_ONLY, Run, stats
from bench.data import account, dynamodb, put_accounts
from bench.procs import Server
from bench.report import Section, Target
from bench.stats import ms, percentile, ratio, safe_div
from bench.transfers import Measured, drive
from services.ledger.ids import new_id

CONCURRENCY = 64
TARGET = 0.5


async def case(
    run: Run, server: Server, table: str, pairs: list[tuple[str, str]], count: int
) -> tuple[Measured, dict[str, int]]:
    sources = sorted({a for a, _ in pairs})
    destinations = sorted({b for _, b in pairs})
    async with dynamodb(run.endpoint_url) as client:
        await put_accounts(
            client,
            table,
            [account(a, Decimal(1000), 1) for a in sources] + [account(b) for b in destinations],
        )
    before = (await stats(server))["calls"]
    measured = await drive(server, pairs, count, warmup=CONCURRENCY)
    after = (await stats(server))["calls"]
    return measured, {k: after.get(k, 0) - before.get(k, 0) for k in after}


async def run_hot(run: Run, server: Server, table: str) -> Section:
    count = run.scale(1280, CONCURRENCY)
    tag = new_id()
    hot_account = f"w4-{tag}-hot"
    hot_pairs = [(f"w4-{tag}-{i}-src", hot_account) for i in range(CONCURRENCY)]
    spread_pairs = [(f"w4-{tag}-{i}-a", f"w4-{tag}-{i}-b") for i in range(CONCURRENCY)]
    run.progress(f"w4 spread: {count} transfers over {CONCURRENCY} pairs")
    spread, spread_calls = await case(run, server, table, spread_pairs, count)
    run.progress(f"w4 hot: {count} transfers from {CONCURRENCY} accounts into one")
    hot, hot_calls = await case(run, server, table, hot_pairs, count)
    section = Section(
        "4. Hot account",
        [
            "case",
            "transfers",
            "throughput",
            "p50",
            "p99",
            "TransactWriteItems/transfer",
            "retries/transfer",
        ],
    )
    warm = CONCURRENCY  # the warm-up transfers are counted by the server too
    for name, m, calls in (
        ("spread over 64 pairs", spread, spread_calls),
        ("all into one", hot, hot_calls),
    ):
        transactions = calls.get("TransactWriteItems", 0)
        retries = safe_div(transactions - (m.count + warm), m.count + warm)
        section.rows.append(
            [
                name,
                str(m.count),
                f"{m.throughput:.0f}/s",
                ms(percentile(m.latencies, 50)),
                ms(percentile(m.latencies, 99)),
                ratio(safe_div(transactions, m.count + warm)),
                f"{retries:.3f}",
            ]
        )
    value = safe_div(hot.throughput, spread.throughput)
    section.rows.append(["hot / spread throughput", "", ratio(value), "", "", "", ""])
    section.targets.append(
        Target(
            "4. hot-account throughput / spread throughput",
            f">= {TARGET}",
            ratio(value),
            value >= TARGET,
        )
    )
    section.method = (
        f"{CONCURRENCY} workers on {CONCURRENCY} keep-alive connections send GraphQL `transfer` "
        f"mutations of 0.01 (with idempotency keys): in the spread case worker i moves money "
        f"between its own pair of accounts; in the hot case all {CONCURRENCY} workers move "
        f"money from their own account into one shared account. Each case runs "
        f"{CONCURRENCY} untimed warm-up transfers, then {count} timed ones; the figure is the "
        "hot case's throughput over the spread case's (the baseline), measured back to back on "
        "the same server. Retries per transfer come from the server process's own count of "
        "TransactWriteItems calls (every AWS call of `ledger serve` is counted by the harness): "
        "calls beyond one per transfer are retries after a version conflict or a transient "
        "error."
    )
    return section


async def workload(run: Run) -> Section:
    table = f"bench-hot-{new_id()}"
    server = await run.ledger_server(table, **API_ONLY)
    try:
        return await run_hot(run, server, table)
    finally:
        await asyncio.to_thread(server.stop)
