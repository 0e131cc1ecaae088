"""Workload 5: `accounts(ids:)` and `missingAccounts(ids:)` for 1, 100 and 1,000 ids."""

from __future__ import annotations

import asyncio
import time

from bench.context import API_ONLY, Run, stats
from bench.data import account, dynamodb, put_accounts
from bench.http import Connection
from bench.procs import Server
from bench.report import Section, Target
from bench.stats import percentile, safe_div
from services.dynamo.batch import BATCH_GET_LIMIT
from services.ledger.ids import new_id

ACCOUNTS = "query Accounts($ids: [ID!]!) { accounts(ids: $ids) { id balance currency } }"
MISSING = "query Missing($ids: [ID!]!) { missingAccounts(ids: $ids) }"
SIZES = (1, 100, 1000)
BATCH_GET = "BatchGetItem"
#: A per-id cost falls only when it falls by more than this (the run's noise on a shared
#: machine): 585 us after 585 us is not a fall.
NOISE = 0.10


def falls(before: float, after: float) -> bool:
    return after < before / (1 + NOISE)


async def run_batch(run: Run, server: Server, table: str) -> Section:
    tag = new_id()
    existing = [f"w5-{tag}-{i}" for i in range(max(SIZES))]
    async with dynamodb(run.endpoint_url) as client:
        await put_accounts(client, table, [account(i) for i in existing])
    section = Section(
        "5. Batch lookups",
        [
            "field",
            "ids",
            "requests",
            "DynamoDB calls/request",
            "calls in flight (peak)",
            "p50",
            "p50 per id",
            "per id / 1 id",
        ],
    )
    connection = Connection("127.0.0.1", server.port)
    verdicts: list[str] = []
    met = True
    endpoint_bound = False
    try:
        for field, query in (("accounts", ACCOUNTS), ("missingAccounts", MISSING)):
            per_id: list[float] = []
            peaks: list[int] = []
            for size in SIZES:
                repeats = run.scale(max(20, 2000 // size), 1)
                if field == "accounts":
                    ids = existing[:size]
                else:  # half of them exist
                    ids = [existing[i] if i % 2 else f"w5-{tag}-missing-{i}" for i in range(size)]
                run.progress(f"w5 {field}: {repeats} requests of {size} ids")
                await connection.graphql(query, {"ids": ids})  # warm-up
                before = await stats(server, reset_peaks=True)  # peaks counted from here
                latencies: list[float] = []
                for _ in range(repeats):
                    started = time.perf_counter()
                    data = await connection.graphql(query, {"ids": ids})
                    latencies.append(time.perf_counter() - started)
                    answer = data[field]
                    expected = size if field == "accounts" else size // 2 + size % 2
                    if len(answer) != expected or (field == "accounts" and None in answer):
                        raise RuntimeError(f"w5 {field} answered {len(answer)} for {size} ids")
                after = await stats(server)
                calls = after["calls"].get(BATCH_GET, 0) - before["calls"].get(BATCH_GET, 0)
                peaks.append(after["peak_in_flight"].get(BATCH_GET, 0))
                p50 = percentile(latencies, 50)
                per_id.append(p50 / size)
                section.rows.append(
                    [
                        field,
                        f"{size:,}",
                        str(repeats),
                        f"{calls / repeats:.1f}",
                        str(peaks[-1]),
                        f"{p50 * 1000:.2f} ms",
                        f"{p50 / size * 1e6:.0f} us",
                        f"{safe_div(p50 / size, per_id[0]):.3f}",
                    ]
                )
            costs = " -> ".join(f"{v * 1e6:.0f}" for v in per_id) + " us/id"
            last = len(SIZES) - 1
            chunks = -(-SIZES[last] // BATCH_GET_LIMIT)
            first_step_falls = falls(per_id[0], per_id[1])
            if first_step_falls and falls(per_id[1], per_id[last]):
                verdicts.append(f"{field}: {costs}, falls at each step")
            elif first_step_falls and peaks[last] >= chunks:
                # The service sent every chunk at once; the endpoint answers one at a time.
                endpoint_bound = True
                verdicts.append(
                    f"{field}: {costs}; {SIZES[1]:,} -> {SIZES[last]:,} ids bound by the "
                    f"embedded endpoint ({peaks[last]} BatchGetItem in flight at once, served "
                    "one after another)"
                )
            else:
                met = False
                verdicts.append(f"{field}: {costs}, not falling by more than 10% at each step")
    finally:
        await connection.close()
    section.targets.append(
        Target(
            "5. per-id cost falls as the batch grows (1 > 100 > 1,000 ids)",
            "falls by > 10% per step",
            "; ".join(verdicts),
            met and not endpoint_bound,
            verdict="endpoint-bound" if met and endpoint_bound else None,
        )
    )
    section.method = (
        f"{max(SIZES):,} accounts are written straight into their own table. Over one "
        "keep-alive connection, `accounts(ids:)` is asked for 1, 100 and 1,000 existing ids "
        "and `missingAccounts(ids:)` for 1, 100 and 1,000 ids of which every other one exists "
        "(ids are GraphQL variables; `LEDGER_GRAPHQL_MAX_PAGE_SIZE` is raised to 1,000 for "
        "this). After one warm-up request, each size is requested max(20, 2000 / size) times "
        "and every answer is checked. The figure is the median latency divided by the number "
        "of ids, compared with the 1-id request (the baseline); DynamoDB calls per request are "
        "the server process's own count of BatchGetItem calls (the harness counts every AWS "
        "call of `ledger serve`), and calls in flight the most of them waiting for an answer at "
        "once. A step counts as a fall only below the previous cost by more than 10%; where "
        "the 100 -> 1,000 step does not fall although the service had all ten chunks in flight "
        "at once, the verdict says the endpoint bounds it (it serves one request at a time)."
    )
    return section


async def workload(run: Run) -> Section:
    table = f"bench-batch-{new_id()}"
    server = await run.ledger_server(table, **API_ONLY)
    try:
        return await run_batch(run, server, table)
    finally:
        await asyncio.to_thread(server.stop)
