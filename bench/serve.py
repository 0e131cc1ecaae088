"""The server process of a benchmark run: `ledger serve`, instrumented, or a bare Strawberry app.

`python -m bench.serve ledger --port P` runs the very code path of `ledger serve` (its logging,
its uvicorn options, the app factory) with two additions for the harness: every AWS call is
counted by operation (and by error code), and `GET /bench/stats` returns the counts and the
event hub's subscriber count. `python -m bench.serve bare --port P` serves a Strawberry mutation
that does no I/O, under the same uvicorn options: the floor of GraphQL over HTTP on this stack.
"""

from __future__ import annotations

import os
import sys
import tracemalloc
from collections import Counter
from typing import Any

CALLS: Counter[str] = Counter()
_SNAPSHOT: Any = None


def count_aws_calls() -> None:
    """Count every botocore API call of this process by operation name, and failures by code."""
    from aiobotocore.client import AioBaseClient
    from botocore.exceptions import ClientError

    original = AioBaseClient._make_api_call  # type: ignore[attr-defined]

    async def counted(self: Any, operation_name: str, api_params: Any) -> Any:
        CALLS[operation_name] += 1
        try:
            return await original(self, operation_name, api_params)
        except ClientError as exc:
            CALLS[f"{operation_name}!{exc.response.get('Error', {}).get('Code', '?')}"] += 1
            raise

    AioBaseClient._make_api_call = counted  # type: ignore[attr-defined]


def instrument_app_factory() -> None:
    """Wrap `create_app` so that the app `ledger serve` builds also answers /bench/stats."""
    from starlette.requests import Request
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    import entrypoints.app as app_module

    create_app = app_module.create_app

    async def stats(request: Request) -> JSONResponse:
        services = getattr(request.app.state, "services", None)
        hub = getattr(services, "hub", None)
        count = getattr(hub, "subscriber_count", None)
        return JSONResponse(
            {
                "calls": dict(CALLS),
                "subscribers": count() if callable(count) else None,
                # Python heap traced since start (BENCH_TRACEMALLOC=1), else None.
                "traced": tracemalloc.get_traced_memory()[0] if tracemalloc.is_tracing() else None,
            }
        )

    async def top(request: Request) -> JSONResponse:
        """Where the Python heap grew since the last call (BENCH_TRACEMALLOC=1)."""
        global _SNAPSHOT
        if not tracemalloc.is_tracing():
            return JSONResponse([])
        snapshot = tracemalloc.take_snapshot()
        lines = []
        if _SNAPSHOT is not None:
            by = request.query_params.get("by", "lineno")
            for stat in snapshot.compare_to(_SNAPSHOT, by)[:40]:
                # ?by=traceback (with BENCH_TRACEMALLOC=12, say): the whole call chain.
                where = " <- ".join(str(frame) for frame in reversed(stat.traceback))
                lines.append(f"{stat.size_diff:>10} {stat.count_diff:>7} {where}")
        _SNAPSHOT = snapshot
        return JSONResponse(lines)

    def instrumented(*args: Any, **kwargs: Any) -> Any:
        app = create_app(*args, **kwargs)
        app.router.routes.insert(0, Route("/bench/stats", stats, methods=["GET"]))
        app.router.routes.insert(0, Route("/bench/top", top, methods=["GET"]))
        return app

    app_module.create_app = instrumented


def serve_ledger(port: int) -> None:
    if os.environ.get("BENCH_TRACEMALLOC"):
        tracemalloc.start(int(os.environ["BENCH_TRACEMALLOC"]))  # frames kept per allocation
    count_aws_calls()
    instrument_app_factory()
    from entrypoints.cli import app

    app(["serve", "--host", "127.0.0.1", "--port", str(port)], prog_name="ledger")


def serve_bare(port: int) -> None:
    import uvicorn

    from bench.bare import bare_app
    from entrypoints.logs import configure_logging

    configure_logging("INFO")
    # The options `ledger serve` passes to uvicorn.
    uvicorn.run(
        bare_app(),
        host="127.0.0.1",
        port=port,
        log_config=None,
        lifespan="on",
        proxy_headers=False,
    )


def main(argv: list[str]) -> None:
    kind, port = argv[0], int(argv[argv.index("--port") + 1])
    if kind == "ledger":
        serve_ledger(port)
    elif kind == "bare":
        serve_bare(port)
    else:
        raise SystemExit(f"unknown server kind {kind!r}")


if __name__ == "__main__":
    main(sys.argv[1:])
