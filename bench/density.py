"""Workload 10: idle subscribers per GiB and server memory per idle subscription, through real
websockets, by RSS (the headline) and by the traced Python heap (where it goes)."""

from __future__ import annotations

import asyncio
import re
import statistics
from decimal import Decimal
from pathlib import Path

from bench.context import API_ONLY, Run, stats
from bench.data import account, dynamodb, put_accounts
from bench.fanout import OPENING_AT_ONCE, Deliveries, close_all, subscribe_many
from bench.http import Connection
from bench.procs import Server
from bench.report import Section, Target
from services.ledger.ids import new_id
from services.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
TARGET_KB = 30.0
#: The servers here run on the defaults.
OPERATION_STARTS = Settings.model_fields["ws_max_operation_starts"].default
#: A target is met only when beaten by more than this (the run's noise on a shared machine).
NOISE = 0.10
WARM_UP = 1000
#: Fresh servers whose RSS growth is measured; the figure is their median.
RSS_ROUNDS = 3


async def idle_growth(run: Run, server: Server, table: str, count: int) -> tuple[int, int | None]:
    """(RSS growth, traced heap growth or None) for `count` idle subscribers, after a warm-up
    of WARM_UP subscribers that stay open: first-use caches and code paths, and the memory
    startup freed, which the first sockets reuse (with 50 the figure moved by +-3 KB from run
    to run)."""
    accounts = [f"w10-{new_id()}-{i}" for i in range(count + WARM_UP)]
    async with dynamodb(run.endpoint_url) as client:
        await put_accounts(client, table, [account(a, Decimal(0)) for a in accounts])
    deliveries = Deliveries()
    warm = await subscribe_many(run, server, accounts[:WARM_UP], deliveries)
    await asyncio.sleep(1)
    rss, traced = server.rss(), (await stats(server))["traced"]
    idle = await subscribe_many(run, server, accounts[WARM_UP:], deliveries)
    await asyncio.sleep(2)
    rss_growth = server.rss() - rss
    after = (await stats(server))["traced"]
    if deliveries.errors:
        raise RuntimeError(f"w10: subscribers failed: {deliveries.errors[:3]}")
    await close_all([*warm, *idle])
    return rss_growth, None if traced is None else after - traced


def per_gib(growth: int, count: int) -> str:
    """How many such subscribers fit in 1 GiB. A few (the smoke run's) may fit in memory the
    process had already: no growth to divide by."""
    if growth <= 0:
        return "(no growth measured)"
    return f"{2**30 / (growth / count):,.0f}"


async def heap_sites(server: Server) -> list[str]:
    connection = Connection("127.0.0.1", server.port)
    try:
        result: list[str] = await connection.get_json("/bench/top")
        return result
    finally:
        await connection.close()


def short(site: str) -> str:
    """One tracemalloc line, its path cut to the package: `1747952 4200 graphql/...:193`."""
    size, blocks, where = site.split(maxsplit=2)
    for prefix in (r"^.*/site-packages/", r"^.*/python3\.\d+/", "^" + re.escape(f"{ROOT}/")):
        where = re.sub(prefix, "", where)
    return f"{int(size):,} B, {blocks}, {where}"


async def workload(run: Run) -> Section:
    count = run.scale(5000, 20)
    section = Section(
        "10. Idle subscriber density",
        ["measured by", "idle subscribers", "growth", "per subscription", "per GiB"],
    )
    growths: list[int] = []
    for round_number in range(1, RSS_ROUNDS + 1):
        server = await run.ledger_server(table := f"bench-density-{new_id()}", **API_ONLY)
        try:
            run.progress(f"w10 {count:,} idle subscribers (RSS), server {round_number}")
            growth, _ = await idle_growth(run, server, table, count)
            growths.append(growth)
        finally:
            await asyncio.to_thread(server.stop)
    rss = statistics.median(growths)
    traced_count = run.scale(1000, 20)
    server = await run.ledger_server(
        table := f"bench-density-{new_id()}", **API_ONLY, BENCH_TRACEMALLOC="1"
    )
    try:
        run.progress(f"w10 {traced_count:,} idle subscribers (traced heap)")
        await heap_sites(server)  # the baseline snapshot
        _, heap = await idle_growth(run, server, table, traced_count)
        sites = await heap_sites(server)
    finally:
        await asyncio.to_thread(server.stop)
    per_kb = rss / count / 1000
    each = ", ".join(f"{growth / count / 1000:.1f}" for growth in growths)
    section.rows.append(
        [f"server RSS (median of {RSS_ROUNDS} servers: {each} KB)", f"{count:,}",
         f"{rss / 2**20:.1f} MiB", f"{per_kb:.1f} KB", per_gib(int(rss), count)]
    )  # fmt: skip
    if heap is not None:
        section.rows.append(
            ["traced Python heap", f"{traced_count:,}", f"{heap / 2**20:.1f} MiB",
             f"{heap / traced_count / 1000:.1f} KB", per_gib(heap, traced_count)]
        )  # fmt: skip
    section.notes += [
        "traced heap growth by line, top 6 (bytes, blocks, where): "
        + "; ".join(short(site) for site in sites[:6])
    ]
    bound = TARGET_KB / (1 + NOISE)
    section.targets.append(
        Target(
            "10. server memory per idle subscription (RSS)",
            f"<= {TARGET_KB:.0f} KB",
            f"{per_kb:.1f} KB (met below {bound:.1f} KB: 10% noise margin); "
            f"{per_gib(int(rss), count)} per GiB",
            per_kb <= bound,
        )
    )
    section.method = (
        "`ledger serve` (default settings, its stream worker off: "
        "`LEDGER_SERVE_STREAM_WORKER=false`, the API alone as in workload 1; a worker in the "
        "same process working through the accounts' own stream records moved the figure by "
        f"+-3 KB from run to run) on a table of {count:,} + "
        f"{WARM_UP} accounts. {WARM_UP} websocket subscribers (graphql-transport-ws, one "
        "`balanceChanged` each, on accounts of their own) open first and stay, so first-use "
        f"caches are not counted; then {count:,} more open, each on an account of its own, "
        "and the harness waits until the hub counts every one and 2 s more. Memory per idle "
        "subscription is the growth of the server's RSS (from /proc) over their number (KB = "
        f"1,000 bytes), the median of {RSS_ROUNDS} fresh servers; per GiB is 2^30 bytes over "
        f"that. The harness opens {OPENING_AT_ONCE} sockets at a time; the server starts "
        f"{OPERATION_STARTS} operations at a time (`LEDGER_WS_MAX_OPERATION_STARTS`: with "
        "every start at once, the setups' short-lived objects left 1-8 KB of free holes per "
        "subscriber among the long-lived ones, by `sys._debugmallocstats`, and single servers "
        "read 21.6-35.9 KB; see the notes). A separate server run with "
        f"tracemalloc (BENCH_TRACEMALLOC=1) measures the Python heap growth for {traced_count:,} "
        "subscribers the same way and lists where it grew (the notes)."
    )
    return section
