"""The ASGI application: GraphQL on /graphql (HTTP and websocket), probes, GraphiQL assets,
the web app at /app/."""

from __future__ import annotations

import asyncio
import gc
import logging
import sys
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles

from entrypoints import observability
from entrypoints.dev_auth import dev_token
from entrypoints.embedded import embedded_dynamodb
from entrypoints.graphql_http import STATIC_PATH, LedgerGraphQL
from entrypoints.limits import trusted_hosts
from entrypoints.readiness import Probe, Readiness, task_probe
from entrypoints.socket_lane import LedgerApp
from entrypoints.transport import BodySizeLimit, TransportLimits
from entrypoints.web import web_routes
from resolvers.schema import build_schema
from services.bootstrap import (
    ApiServices,
    Services,
    bootstrap,
    bootstrap_api,
    stream_worker_running,
)
from services.observability.settings import ObservabilitySettings
from services.observability.tracing import configure_tracing
from services.settings import Settings

log = logging.getLogger(__name__)

#: How long /readyz waits for DynamoDB before it answers 503.
READY_TIMEOUT_SECONDS = 2.0
STATIC_DIR = Path(__file__).parent / "static"


async def healthz(request: Request) -> JSONResponse:
    """Alive: the process serves requests (no dependency is checked)."""
    return JSONResponse({"status": "ok"})


async def readyz(request: Request) -> JSONResponse:
    """Ready: DynamoDB and the ledger table answer, the stream worker runs where this process
    runs one, Redis answers where it is configured; each dependency's state in `checks`. Says
    how callers authenticate, so that a deployment running with authentication disabled is
    visible from outside."""
    services: ApiServices = request.app.state.services
    readiness: Readiness | None = getattr(request.app.state, "readiness", None)
    if readiness is None:
        readiness = _readiness(services, None, None)
        request.app.state.readiness = readiness
    report = await readiness.report()
    body = {**report.body(), "auth": services.identity.mode, "dynamodb": services.dynamodb_mode}
    return JSONResponse(body, status_code=200 if report.ready else 503)


def _readiness(
    services: ApiServices,
    stream_worker: asyncio.Task[None] | None,
    stack: AsyncExitStack | None,
) -> Readiness:
    """The checks of this process's dependencies; Redis only with a `stack` to close it."""

    async def dynamodb() -> str:
        await services.ledger.ping()
        return "ok"

    probes: dict[str, Probe] = {"dynamodb": dynamodb}
    if stream_worker is not None:
        probes["stream_worker"] = task_probe(stream_worker)
    if services.settings.redis_url and stack is not None:
        probes["redis"] = _redis_probe(services.settings.redis_url, stack)
    return Readiness(probes, timeout=READY_TIMEOUT_SECONDS)


def _redis_probe(url: str, stack: AsyncExitStack) -> Probe:
    from redis.asyncio import Redis

    client = Redis.from_url(url)
    stack.push_async_callback(client.aclose)

    async def redis() -> str:
        await client.ping()
        return "ok"

    return redis


def create_app(
    settings: Settings | None = None,
    *,
    services: ApiServices | None = None,
    demo: bool = False,
    freeze_startup_heap: bool = False,
) -> Starlette:
    """The app. Its lifespan wires the services unless `services` is given (tests): with the
    stream worker in this process when `settings.runs_stream_worker_in_serve()`, else for an
    API replica only. `demo` loads the demo accounts and transfers at startup.
    `freeze_startup_heap` (a process that serves one app, `ledger serve`) moves what startup
    allocated out of the garbage collector's sight."""
    if settings is None:
        settings = services.settings if services is not None else Settings()
    observed = ObservabilitySettings()
    configure_tracing()

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        async with AsyncExitStack() as stack:
            wired = services
            if wired is None:
                # The embedded endpoint only when asked for (`ledger serve --embedded`).
                embedded = settings.use_embedded()
                target = settings
                if embedded:
                    target = await stack.enter_async_context(embedded_dynamodb(settings))
                if settings.runs_stream_worker_in_serve():
                    wired = await stack.enter_async_context(bootstrap(target, embedded=embedded))
                else:
                    wired = await stack.enter_async_context(
                        bootstrap_api(target, embedded=embedded)
                    )
            await _start(app, wired, demo=demo)
            worker = None
            if isinstance(wired, Services):
                # Publishes committed changes to this process's subscribers (and notifies)
                # when `serve_stream_worker` is on; stopped, its started sends finished, on exit.
                worker = await stack.enter_async_context(stream_worker_running(wired))
            app.state.readiness = _readiness(wired, worker, stack)
            stack.enter_context(observability.metrics_port(observed))
            if freeze_startup_heap:
                # The wired services (botocore's service models, the schema) are hundreds of
                # thousands of long-lived objects; a full collection walking them paused the
                # event loop for ~100 ms under a flood. Frozen, collections skip them.
                gc.freeze()
            yield

    graphql = LedgerGraphQL(
        build_schema(settings),
        graphiql=settings.graphiql,
        keep_alive_seconds=settings.ws_keepalive_seconds,
        allowed_origins=settings.cors_origins,
        limits=TransportLimits.from_settings(settings),
    )
    hosts = Middleware(
        TrustedHostMiddleware, allowed_hosts=trusted_hosts(settings), www_redirect=False
    )
    middleware = [
        hosts,
        Middleware(BodySizeLimit, max_bytes=settings.http_max_body_bytes),
        *observability.middleware(),
    ]
    if settings.cors_origins:
        middleware.append(
            Middleware(
                CORSMiddleware,
                allow_origins=settings.cors_origins,
                allow_methods=["GET", "POST"],
                allow_headers=["accept", "authorization", "content-type"],
                max_age=600,
            )
        )
    app = LedgerApp(
        middleware=middleware,
        routes=[
            Route("/graphql", graphql),
            WebSocketRoute("/graphql", graphql),
            Route("/healthz", healthz, methods=["GET"]),
            Route("/readyz", readyz, methods=["GET"]),
            *observability.metrics_routes(observed),
            Route("/auth/dev-token", dev_token, methods=["POST"]),
            Mount(STATIC_PATH, StaticFiles(directory=STATIC_DIR), name="static"),
            *web_routes(settings),
        ],
        lifespan=lifespan,
    )
    app.socket_lane = observability.socket_lane(graphql, hosts)
    if services is not None:
        app.state.services = services  # usable without a lifespan run (in-process tests)
    return app


async def _start(app: Starlette, services: ApiServices, *, demo: bool) -> None:
    if demo:
        from services.demo import load_demo

        await load_demo(services.ledger)
    app.state.services = services
    identity = services.identity
    if identity.mode == "disabled":
        log.warning(
            "authentication is DISABLED (LEDGER_AUTH_DISABLED): every request acts as an "
            "operator; never run this where anyone else can reach it"
        )
    if identity.development is not None:
        # The embedded server's newcomer path: GraphiQL opens with an operator's token, and
        # the terminal shows it once (a development key, never trusted outside this mode).
        token = identity.development_token("admin", operator=True)
        app.state.graphiql_headers = {"Authorization": f"Bearer {token}"}
        sys.stderr.write(
            "Development operator token (embedded mode only; GraphiQL already has it; "
            f"`ledger dev-token --sub alice` makes a holder's):\n{token}\n"
        )
    log.info(
        "ledger API ready",
        extra={
            "embedded_dynamodb": services.embedded,
            "dynamodb": services.dynamodb_mode,
            "auth": identity.mode,
        },
    )
