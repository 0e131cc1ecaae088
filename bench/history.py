"""Workload 2: a page of history at the newest end, in the middle and at the oldest end."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from bench.context import Run
from bench.data import create_table, dynamodb, put_history
from bench.http import Connection
from bench.report import Section, Target
from bench.stats import ms, percentile, ratio, safe_div
from services.ledger.ids import new_id

HISTORY = (
    "query History($id: ID!, $first: Int!, $after: String) { account(id: $id) { "
    "transactions(first: $first, after: $after) { edges { cursor node { id direction amount "
    "balanceAfter memo createdAt counterpartyId } } pageInfo { hasNextPage endCursor } } } }"
)
PAGE = 50
WALK_PAGE = 100
TARGET = 1.2


async def page(connection: Connection, account_id: str, first: int, after: str | None) -> Any:
    data = await connection.graphql(HISTORY, {"id": account_id, "first": first, "after": after})
    return data["account"]["transactions"]


async def walk(run: Run, connection: Connection, account_id: str, entries: int) -> dict[str, str]:
    """Walk the whole history once, 100 entries a page; the cursors of the pages to time."""
    middle, oldest = entries // 2 + 1, PAGE + 1  # the page after version v starts at v - 1
    wanted: dict[int, str] = {middle: "", oldest: ""}
    after: str | None = None
    pages = 0
    while True:
        result = await page(connection, account_id, WALK_PAGE, after)
        pages += 1
        for edge in result["edges"]:
            version = int(edge["node"]["balanceAfter"].split(".")[0])  # 1.00 per entry
            if version in wanted:
                wanted[version] = edge["cursor"]
        if not result["pageInfo"]["hasNextPage"]:
            break
        after = result["pageInfo"]["endCursor"]
        if pages % 200 == 0:
            run.progress(f"w2 walked {pages} pages")
    run.progress(f"w2 walked {pages} pages of {WALK_PAGE} (the whole history)")
    return {"middle": wanted[middle], "oldest": wanted[oldest]}


async def run_history(run: Run, table: str, server_port: int) -> Section:
    entries = run.scale(100_000, 400)
    repeats = run.scale(60, 2)
    account_id = f"w2-{new_id()}"
    run.progress(f"w2 loading {entries} entries with BatchWriteItem")
    loaded = time.perf_counter()
    async with dynamodb(run.endpoint_url) as client:
        await put_history(client, table, account_id, entries)
    loaded = time.perf_counter() - loaded
    run.progress(f"w2 loaded in {loaded:.1f} s")
    connection = Connection("127.0.0.1", server_port)
    try:
        cursors = await walk(run, connection, account_id, entries)
        positions: dict[str, str | None] = {"newest": None, **cursors}
        expected_first = {"newest": entries, "middle": entries // 2, "oldest": PAGE}
        latencies: dict[str, list[float]] = {name: [] for name in positions}
        for _ in range(repeats):  # interleaved, so drift in the machine's load hits all three
            for name, after in positions.items():
                started = time.perf_counter()
                result = await page(connection, account_id, PAGE, after)
                latencies[name].append(time.perf_counter() - started)
                edges = result["edges"]
                first_version = int(edges[0]["node"]["balanceAfter"].split(".")[0])
                if len(edges) != PAGE or first_version != expected_first[name]:
                    raise RuntimeError(f"w2 {name} page starts at {first_version}")
    finally:
        await connection.close()
    base = percentile(latencies["newest"], 50)
    section = Section(
        "2. History depth", ["page of 50", "starts at entry", "p50", "p99", "p50 / newest p50"]
    )
    worst = 0.0
    for name, values in latencies.items():
        value = safe_div(percentile(values, 50), base)
        worst = max(worst, value)
        section.rows.append(
            [
                name,
                f"{expected_first[name]:,}",
                ms(percentile(values, 50)),
                ms(percentile(values, 99)),
                ratio(value),
            ]
        )
    section.notes.append(
        f"{entries:,} entries loaded in {loaded:.1f} s ({entries / loaded:,.0f} items/s)"
    )
    section.targets.append(
        Target(
            "2. history page latency / newest page (middle, oldest)",
            f"<= {TARGET}",
            ", ".join(
                f"{name} {ratio(safe_div(percentile(v, 50), base))}"
                for name, v in latencies.items()
                if name != "newest"
            ),
            worst <= TARGET,
        )
    )
    section.method = (
        f"One account with {entries:,} entries (credits of 1.00, versions 1..{entries:,}) is "
        "written straight into its own table with BatchWriteItem (the service's own item "
        "codec), then read through `ledger serve`. The history is walked once from the newest "
        f"entry to the oldest with `transactions(first: {WALK_PAGE}, after:)`, keeping the "
        "cursors that start the middle page and the oldest page. Then the three pages of "
        f"{PAGE} (newest, middle, oldest) are fetched {repeats} times each, interleaved, over "
        "one keep-alive connection, and each is checked to start at the expected entry. The "
        "figure is each page's median latency over the newest page's median (the baseline); "
        "p99 is shown for context. The query selects every scalar of the entry and the page "
        "info."
    )
    return section


async def workload(run: Run) -> Section:
    table = f"bench-history-{new_id()}"
    async with dynamodb(run.endpoint_url) as client:
        await create_table(client, table, stream=False)  # 100,000 stream records serve nothing
    server = await run.ledger_server(table)
    try:
        return await run_history(run, table, server.port)
    finally:
        await asyncio.to_thread(server.stop)
