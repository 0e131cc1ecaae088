"""Workload 6 (issue 15): what metrics and request ids cost per transfer, on against off in the
same run. `python -m bench --only 6 --output PATH` (never the default output: it would replace
BENCHMARKS.md with this section alone)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
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
    on, off = await asyncio.gather(
        run.ledger_server(table, **API_ONLY, LEDGER_METRICS_ENABLED="true"),
        run.ledger_server(table, **API_ONLY, LEDGER_METRICS_ENABLED="false"),
    )
    overheads: list[str] = []
    baseline_cpu = float("inf")
    try:
        async with dynamodb(run.endpoint_url) as client:
            for concurrency in CONCURRENCY[: run.scale(len(CONCURRENCY), 1)]:
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
                baseline_cpu = min(baseline_cpu, without.cpu_per_op)
    finally:
        await asyncio.gather(asyncio.to_thread(on.stop), asyncio.to_thread(off.stop))
    parts = await asyncio.to_thread(added_cpu_per_transfer, run.scale(20_000, 200))
    added = sum(parts.values())
    for name, cost in parts.items():
        section.rows.append([f"in-process: {name}", "", "", "", "", "", f"{cost * 1e6:.1f} us"])
    share = added / baseline_cpu if 0 < baseline_cpu < float("inf") else float("nan")
    section.rows.append(
        ["in-process: all, per transfer", "", "", "", "", "", f"{added * 1e6:.1f} us"]
    )
    section.targets.append(
        Target(
            "6. CPU metrics and request ids add per transfer (in-process sum / server CPU "
            "per transfer with them off)",
            f"< {TARGET:.0%}",
            f"{share:.2%}; two servers, on / off - 1: " + ", ".join(overheads),
            share < TARGET,
        )
    )
    section.method = (
        "Two `ledger serve` processes on the same table of the embedded endpoint, API only, "
        "one with LEDGER_METRICS_ENABLED=true (the default: Prometheus metrics, the GraphQL "
        "metrics extension, DynamoDB call hooks, request ids), one with it false; traces off "
        "in both (no OTEL_* exporter). The transfer workload of section 1 runs against each "
        f"in {ROUNDS} alternating rounds per concurrency, so drift on the shared machine "
        "falls on both; server CPU per transfer is summed over the rounds. On a shared "
        "two-core machine that difference swings by several percent either way between runs, "
        "more than what is measured, so the target is read from a steadier figure: the CPU "
        "each part adds to one transfer (request id middleware, the GraphQL extension, the "
        "DynamoDB hooks of its one TransactWriteItems, the transfer counter), timed in-process "
        "with time.process_time over many iterations, against the smallest server CPU per "
        "transfer measured with them off."
    )
    return section


def added_cpu_per_transfer(iterations: int = 20_000) -> dict[str, float]:
    """Process CPU (seconds) each instrumentation part adds to one transfer, measured in this
    process without I/O: a steadier figure than two servers' CPU on a shared machine."""
    import time
    from types import SimpleNamespace

    from strawberry.types.graphql import OperationType

    from entrypoints.request_id import RequestIdMiddleware
    from graph.metrics import record_operation
    from services.observability import dynamodb as hooks
    from services.observability.ledger import counted_transfers

    def timed(step: Callable[[], object], n: int = iterations) -> float:
        started = time.process_time()
        for _ in range(n):
            step()
        return (time.process_time() - started) / n

    loop = asyncio.new_event_loop()
    try:

        async def asgi(
            scope: object, receive: object, send: Callable[..., Awaitable[None]]
        ) -> None:
            await send({"type": "http.response.start", "status": 200, "headers": []})

        async def send(message: object) -> None:
            return None

        scope = {"type": "http", "headers": [(b"x-request-id", b"abc-123")]}
        plain, wrapped = asgi, RequestIdMiddleware(asgi)
        request_ids = timed(
            lambda: loop.run_until_complete(wrapped(scope, None, send))  # type: ignore[arg-type]
        ) - timed(lambda: loop.run_until_complete(plain(scope, None, send)))

        from graphql import parse
        from strawberry.types.execution import ExecutionResult

        document = parse("mutation Transfer { transfer }")
        context = SimpleNamespace(
            pre_execution_errors=None,
            graphql_document=document,
            operation_type=OperationType.MUTATION,
            operation_name="Transfer",
            result=ExecutionResult(data={"transfer": True}, errors=None),
        )

        def operation() -> None:
            record_operation(context, time.perf_counter())  # type: ignore[arg-type]

        graphql = timed(operation)

        model = SimpleNamespace(name="TransactWriteItems")
        answer = SimpleNamespace(status_code=200)

        def dynamodb_call() -> None:
            context: dict[str, object] = {}
            hooks._before_call(model=model, context=context)
            hooks._needs_retry(response=(answer, {}), operation=model)
            hooks._after_call(http_response=answer, parsed={}, model=model, context=context)

        async def commit() -> None:
            return None

        counted = counted_transfers(commit)
        transfers = timed(lambda: loop.run_until_complete(counted())) - timed(
            lambda: loop.run_until_complete(commit())
        )
        return {
            "request id": max(0.0, request_ids),
            "GraphQL extension": max(0.0, graphql),
            "DynamoDB hooks (1 call)": timed(dynamodb_call),
            "transfer counter": max(0.0, transfers),
        }
    finally:
        loop.close()
