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
#: AWS calls of each operation waiting for their answer now, and the most at once since the
#: last `/bench/stats?reset_peaks=1`: whether the service sends a request's calls side by side.
IN_FLIGHT: Counter[str] = Counter()
PEAK_IN_FLIGHT: Counter[str] = Counter()
_SNAPSHOT: Any = None


def count_aws_calls() -> None:
    """Count every botocore API call of this process by operation name, and failures by code."""
    from aiobotocore.client import AioBaseClient
    from botocore.exceptions import ClientError

    original = AioBaseClient._make_api_call  # type: ignore[attr-defined]

    async def counted(self: Any, operation_name: str, api_params: Any) -> Any:
        CALLS[operation_name] += 1
        IN_FLIGHT[operation_name] += 1
        PEAK_IN_FLIGHT[operation_name] = max(
            PEAK_IN_FLIGHT[operation_name], IN_FLIGHT[operation_name]
        )
        try:
            return await original(self, operation_name, api_params)
        except ClientError as exc:
            CALLS[f"{operation_name}!{exc.response.get('Error', {}).get('Code', '?')}"] += 1
            raise
        finally:
            IN_FLIGHT[operation_name] -= 1

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
        peaks = dict(PEAK_IN_FLIGHT)
        if "reset_peaks" in request.query_params:
            PEAK_IN_FLIGHT.clear()
        return JSONResponse(
            {
                "calls": dict(CALLS),
                "peak_in_flight": peaks,
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

    async def objects(request: Request) -> JSONResponse:
        """Live objects by type, and suspended coroutine/generator frames by code: where the
        per-subscriber objects are, counted (`gc.get_objects()` after a full collection)."""
        import gc
        import inspect

        gc.collect()
        types: Counter[str] = Counter()
        sizes: Counter[str] = Counter()
        frames: Counter[str] = Counter()
        wanted = request.query_params.get("referrers")
        samples: list[Any] = []
        for item in gc.get_objects():
            name = f"{type(item).__module__}.{type(item).__qualname__}"
            types[name] += 1
            sizes[name] += sys.getsizeof(item)
            if wanted == name and len(samples) < 400:
                samples.append(item)
        owners: Counter[str] = Counter()
        for item in samples[-200:]:
            for owner in gc.get_referrers(item):
                if owner is not samples:
                    detail = ""
                    if isinstance(owner, dict):
                        detail = " keys=" + ",".join(sorted(map(str, owner))[:6])
                    elif type(owner).__name__ == "method":
                        detail = f" {owner.__qualname__}"
                    elif isinstance(item, dict) and hasattr(owner, "__dict__"):
                        detail = ""
                    owners[f"{type(owner).__module__}.{type(owner).__qualname__}{detail}"] += 1
            if isinstance(item, dict):
                owners["KEYS " + ",".join(sorted(map(str, item))[:8])] += 1
            elif type(item).__name__ == "method":
                owners["METHOD " + item.__qualname__] += 1
            code = getattr(item, "cr_code", None) or getattr(item, "ag_code", None)
            if code is None and inspect.isgenerator(item):
                code = item.gi_code
            if code is not None:
                frames[f"{code.co_qualname} ({code.co_filename.rsplit('/', 2)[-1]})"] += 1
        return JSONResponse({"types": types, "sizes": sizes, "frames": frames, "owners": owners})

    def instrumented(*args: Any, **kwargs: Any) -> Any:
        app = create_app(*args, **kwargs)
        app.router.routes.insert(0, Route("/bench/stats", stats, methods=["GET"]))
        app.router.routes.insert(0, Route("/bench/top", top, methods=["GET"]))
        app.router.routes.insert(0, Route("/bench/objects", objects, methods=["GET"]))
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
