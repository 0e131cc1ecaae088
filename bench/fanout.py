"""Workload 3: live balance changes fanned out to 1 .. 10,000 websocket subscribers."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from bench.context import Run, stats
from bench.data import account, dynamodb, put_accounts
from bench.http import Connection
from bench.procs import Server
from bench.report import Section, Target
from bench.stats import ms, percentile, ratio, safe_div
from bench.transfers import TRANSFER, transfer_variables
from services.ledger.ids import new_id

SUBSCRIPTION = (
    "subscription Watch($accountId: ID!) { balanceChanged(accountId: $accountId) "
    "{ accountId version balance } }"
)
#: The stream worker's pause when it has caught up (default 1 s): a floor under every latency.
POLL_INTERVAL_SECONDS = 0.02
#: Sockets the harness opens at once (`subscribe_many`).
OPENING_AT_ONCE = 64
P99_TARGET, MEMORY_TARGET_KB, IDLE_TARGET = 2.0, 30.0, 1.2


@dataclass
class Deliveries:
    """When each (account, version) reached each subscriber, by client receipt time."""

    received: dict[tuple[str, int], list[float]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)

    def add(self, account_id: str, version: int, at: float) -> None:
        self.received.setdefault((account_id, version), []).append(at)


class Subscriber:
    def __init__(self, socket: ClientConnection, account_id: str, task: asyncio.Task[None]) -> None:
        self.socket, self.account_id, self.task = socket, account_id, task

    async def close(self) -> None:
        self.task.cancel()
        await self.socket.close()


async def subscribe(port: int, account_id: str, deliveries: Deliveries) -> Subscriber:
    socket = await connect(
        f"ws://127.0.0.1:{port}/graphql",
        subprotocols=["graphql-transport-ws"],  # type: ignore[list-item]
        ping_interval=None,
        compression=None,
        open_timeout=60,
    )
    await socket.send(json.dumps({"type": "connection_init", "payload": {}}))
    ack = json.loads(await socket.recv())
    if ack.get("type") != "connection_ack":
        raise RuntimeError(f"w3: no connection_ack: {ack}")
    await socket.send(
        json.dumps(
            {
                "id": "1",
                "type": "subscribe",
                "payload": {"query": SUBSCRIPTION, "variables": {"accountId": account_id}},
            }
        )
    )

    async def read() -> None:
        try:
            async for raw in socket:
                at = time.perf_counter()
                message = json.loads(raw)
                if message.get("type") == "next":
                    change = message["payload"]["data"]["balanceChanged"]
                    deliveries.add(change["accountId"], int(change["version"]), at)
                elif message.get("type") in ("error", "complete"):
                    deliveries.errors.append(str(message))
        except ConnectionClosed as closed:
            deliveries.errors.append(f"websocket closed by the server: {closed}")

    return Subscriber(socket, account_id, asyncio.get_running_loop().create_task(read()))


async def subscribe_many(
    run: Run, server: Server, account_ids: Sequence[str], deliveries: Deliveries
) -> list[Subscriber]:
    """One websocket per subscriber; returns once the hub counts all of them."""
    baseline = (await stats(server))["subscribers"] or 0
    subscribers: list[Subscriber] = []
    gate = asyncio.Semaphore(OPENING_AT_ONCE)

    async def one(account_id: str) -> None:
        async with gate:
            subscribers.append(await subscribe(server.port, account_id, deliveries))

    await asyncio.gather(*(one(a) for a in account_ids))
    deadline = time.monotonic() + 120
    while (await stats(server))["subscribers"] < baseline + len(account_ids):
        if time.monotonic() > deadline:
            raise RuntimeError("w3: the hub never counted every subscriber")
        await asyncio.sleep(0.05)
    return subscribers


async def close_all(subscribers: Sequence[Subscriber]) -> None:
    gate = asyncio.Semaphore(256)

    async def one(subscriber: Subscriber) -> None:
        async with gate:
            await subscriber.close()

    await asyncio.gather(*(one(s) for s in subscribers))


@dataclass
class Driver:
    """Transfers from one funding account at a steady rate, each one's send time recorded (the
    commit happens inside the round trip; the fast path delivers it before the response)."""

    connection: Connection
    source: str
    versions: dict[str, int]
    rate: float

    async def drive(self, destinations: Sequence[str], count: int) -> list[tuple[str, int, float]]:
        commits: list[tuple[str, int, float]] = []
        interval = 1 / self.rate
        next_at = time.perf_counter()
        for i in range(count):
            destination = destinations[i % len(destinations)]
            sent = time.perf_counter()
            data = await self.connection.graphql(
                TRANSFER, transfer_variables(self.source, destination)
            )
            if data["transfer"]["userErrors"]:
                raise RuntimeError(f"w3 transfer refused: {data}")
            self.versions[destination] += 1
            commits.append((destination, self.versions[destination], sent))
            next_at += interval
            await asyncio.sleep(max(0.0, next_at - time.perf_counter()))
        return commits


async def latencies(
    commits: Sequence[tuple[str, int, float]],
    deliveries: Deliveries,
    expected: dict[str, int],
    wait_seconds: float = 30.0,
) -> tuple[list[float], int]:
    """Commit-to-delivery latencies, from each mutation's send (an upper bound), and how many
    deliveries never came."""
    deadline = time.monotonic() + wait_seconds
    while time.monotonic() < deadline:
        if all(len(deliveries.received.get((a, v), ())) >= expected[a] for a, v, _ in commits):
            break
        await asyncio.sleep(0.05)
    values: list[float] = []
    missing = 0
    for account_id, version, committed in commits:
        got = deliveries.received.get((account_id, version), [])
        missing += max(0, expected[account_id] - len(got))
        values += [max(0.0, at - committed) for at in got]
    return values, missing


def row(name: str, subscribers: int, transfers: int, values: list[float], base: float) -> list[str]:
    p99 = percentile(values, 99)
    return [
        name,
        f"{subscribers:,}",
        str(transfers),
        str(len(values)),
        ms(percentile(values, 50)),
        ms(p99),
        ratio(safe_div(p99, base)),
    ]


async def run_fanout(run: Run, server: Server, table: str) -> Section:
    idle_count = run.scale(10_000, 20)
    spread = [n for n in (100, 1000) if n < idle_count] if not run.smoke else [5]
    hot_count = run.scale(1000, 10)
    transfers = run.scale(100, 8)
    rate = run.scale(10, 20)
    tag = new_id()
    source = f"w3-{tag}-source"
    watched = f"w3-{tag}-watched"
    others = [f"w3-{tag}-{i}" for i in range(idle_count)]
    run.progress(f"w3 creating {idle_count + 2:,} accounts")
    async with dynamodb(run.endpoint_url) as client:
        await put_accounts(
            client,
            table,
            [account(source, Decimal(10**9), 1), account(watched)] + [account(a) for a in others],
        )
    versions = {a: 0 for a in [watched, *others]}
    connection = Connection("127.0.0.1", server.port)
    driver = Driver(connection, source, versions, rate)
    deliveries = Deliveries()
    section = Section(
        "3. Subscription fan-out",
        ["case", "subscribers", "transfers", "deliveries", "p50", "p99", "p99 / 1-subscriber p99"],
    )
    targets: dict[str, float] = {}
    try:
        await driver.drive([watched], 3)  # warm-up: the worker's first poll, connections
        run.progress(f"w3 1 subscriber: {transfers} transfers at {rate}/s")
        one = await subscribe_many(run, server, [watched], deliveries)
        commits = await driver.drive([watched], transfers)
        base_values, missing = await latencies(commits, deliveries, {watched: 1})
        base = percentile(base_values, 99)
        section.rows.append(row("1 subscriber (baseline)", 1, transfers, base_values, base))

        run.progress(f"w3 opening {idle_count:,} idle subscribers on other accounts")
        rss_before = server.rss()
        idle = await subscribe_many(run, server, others, deliveries)
        await asyncio.sleep(1)
        per_subscription = (server.rss() - rss_before) / idle_count / 1024
        targets["memory"] = per_subscription
        section.notes.append(
            f"server RSS grew {(server.rss() - rss_before) / 2**20:.1f} MiB for {idle_count:,} "
            f"idle subscribers: {per_subscription:.1f} KiB each"
        )
        run.progress(f"w3 1 watched + {idle_count:,} idle: {transfers} transfers")
        commits = await driver.drive([watched], transfers)
        values, lost = await latencies(commits, deliveries, {watched: 1})
        missing += lost
        targets["idle"] = safe_div(percentile(values, 99), base)
        section.rows.append(
            row(f"1 watched + {idle_count:,} idle", idle_count + 1, transfers, values, base)
        )
        run.progress(f"w3 {idle_count:,} subscribers spread: {transfers} transfers")
        commits = await driver.drive(others, transfers)
        values, lost = await latencies(commits, deliveries, dict.fromkeys(others, 1))
        missing += lost
        section.rows.append(
            row(f"{idle_count:,} spread over accounts", idle_count + 1, transfers, values, base)
        )
        await close_all(idle)

        for count in spread:
            run.progress(f"w3 {count:,} subscribers spread: {transfers} transfers")
            subs = await subscribe_many(run, server, others[:count], deliveries)
            commits = await driver.drive(others[:count], transfers)
            values, lost = await latencies(commits, deliveries, dict.fromkeys(others[:count], 1))
            missing += lost
            targets[f"spread-{count}"] = safe_div(percentile(values, 99), base)
            section.rows.append(
                row(f"{count:,} spread over accounts", count + 1, transfers, values, base)
            )
            await close_all(subs)

        run.progress(f"w3 {hot_count:,} subscribers on one account: {transfers} transfers")
        subs = await subscribe_many(run, server, [watched] * (hot_count - 1), deliveries)
        commits = await driver.drive([watched], transfers)
        values, lost = await latencies(commits, deliveries, {watched: hot_count})
        missing += lost
        section.rows.append(
            row(f"{hot_count:,} on one account", hot_count, transfers, values, base)
        )
        await close_all([*subs, *one])
    finally:
        await connection.close()
    if missing or deliveries.errors:
        section.notes.append(f"{missing} deliveries never arrived; errors: {deliveries.errors[:3]}")
    spread_key = "spread-1000" if "spread-1000" in targets else f"spread-{spread[-1]}"
    section.targets += [
        Target(
            "3. p99 delivery latency, 1,000 subscribers spread / 1 subscriber",
            f"<= {P99_TARGET}",
            ratio(targets[spread_key]),
            targets[spread_key] <= P99_TARGET,
        ),
        Target(
            "3. server memory per idle subscription",
            f"<= {MEMORY_TARGET_KB:.0f} KB",
            f"{targets['memory']:.1f} KiB",
            targets["memory"] <= MEMORY_TARGET_KB,
        ),
        Target(
            f"3. p99 latency of one account with {idle_count:,} idle subscribers / with none",
            f"<= {IDLE_TARGET}",
            ratio(targets["idle"]),
            targets["idle"] <= IDLE_TARGET,
        ),
    ]
    section.method = (
        "Each subscriber is its own websocket (graphql-transport-ws) to `ledger serve`, "
        "subscribed to `balanceChanged(accountId:)` of one account; the harness waits until "
        "the server's hub counts every subscriber before it drives traffic. One driver "
        f"connection sends {transfers} GraphQL transfers per case at a steady {rate} per "
        "second from a funding account into the watched accounts (round-robin). A change's "
        "latency runs from the moment the driver sends its mutation (the commit happens inside "
        "that round trip, and the commit-time fast path delivers it before the response comes "
        "back: an upper bound, as in workload 9) to the moment a subscriber's client receives "
        "the `next` message for that account and version, both on the harness's clock. The "
        "baseline is the p99 with a single subscriber. Memory per idle subscription is "
        f"the growth of the server's RSS (from the OS) when {idle_count:,} subscribers on other "
        "accounts connect, divided by their number; with them still connected, the single "
        "watched account is measured again. The service runs its stream worker in-process "
        f"with `LEDGER_STREAM_POLL_INTERVAL_SECONDS={POLL_INTERVAL_SECONDS}` (default 1 s, "
        "which would put up to a second of polling delay under every figure)."
    )
    return section


async def workload(run: Run) -> Section:
    table = f"bench-fanout-{new_id()}"
    server = await run.ledger_server(
        table, LEDGER_STREAM_POLL_INTERVAL_SECONDS=str(POLL_INTERVAL_SECONDS)
    )
    try:
        return await run_fanout(run, server, table)
    finally:
        await asyncio.to_thread(server.stop)
