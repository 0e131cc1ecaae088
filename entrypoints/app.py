"""The ASGI application: GraphQL on /graphql (HTTP and websocket), probes, GraphiQL assets."""

from __future__ import annotations

import asyncio
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

from entrypoints.dev_auth import dev_token
from entrypoints.embedded import embedded_dynamodb
from entrypoints.graphql_http import STATIC_PATH, LedgerGraphQL
from entrypoints.limits import trusted_hosts
from entrypoints.transport import BodySizeLimit, TransportLimits
from resolvers.schema import build_schema
from services.bootstrap import (
    ApiServices,
    Services,
    bootstrap,
    bootstrap_api,
    stream_worker_running,
)
from services.settings import Settings

log = logging.getLogger(__name__)

#: How long /readyz waits for DynamoDB before it answers 503.
READY_TIMEOUT_SECONDS = 2.0
STATIC_DIR = Path(__file__).parent / "static"


async def healthz(request: Request) -> JSONResponse:
    """Alive: the process serves requests (no dependency is checked)."""
    return JSONResponse({"status": "ok"})


async def readyz(request: Request) -> JSONResponse:
    """Ready: DynamoDB and the ledger table answer. Says how callers authenticate, so that a
    deployment running with authentication disabled is visible from outside."""
    services: ApiServices = request.app.state.services
    auth = {"auth": services.identity.mode}
    try:
        await asyncio.wait_for(services.ledger.ping(), READY_TIMEOUT_SECONDS)
    except Exception as exc:  # noqa: BLE001 - any failure means "not ready"; details go to the log
        log.warning("readiness check failed", extra={"reason": repr(exc)})
        return JSONResponse({"status": "unavailable", **auth}, status_code=503)
    return JSONResponse({"status": "ok", **auth})


def create_app(
    settings: Settings | None = None, *, services: ApiServices | None = None, demo: bool = False
) -> Starlette:
    """The app. Its lifespan wires the services unless `services` is given (tests): with the
    stream worker in this process when `settings.runs_stream_worker_in_serve()`, else for an
    API replica only. `demo` loads the demo accounts and transfers at startup."""
    if settings is None:
        settings = services.settings if services is not None else Settings()

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        async with AsyncExitStack() as stack:
            wired = services
            if wired is None:
                # No DynamoDB configured: the embedded endpoint, started here for this process.
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
            if isinstance(wired, Services):
                # Publishes committed changes to this process's subscribers (and notifies)
                # when `serve_stream_worker` is on; stopped, its started sends finished, on exit.
                await stack.enter_async_context(stream_worker_running(wired))
            yield

    graphql = LedgerGraphQL(
        build_schema(settings),
        graphiql=settings.graphiql,
        keep_alive_seconds=settings.ws_keepalive_seconds,
        allowed_origins=settings.cors_origins,
        limits=TransportLimits.from_settings(settings),
    )
    middleware = [
        Middleware(
            TrustedHostMiddleware, allowed_hosts=trusted_hosts(settings), www_redirect=False
        ),
        Middleware(BodySizeLimit, max_bytes=settings.http_max_body_bytes),
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
    app = Starlette(
        middleware=middleware,
        routes=[
            Route("/graphql", graphql),
            WebSocketRoute("/graphql", graphql),
            Route("/healthz", healthz, methods=["GET"]),
            Route("/readyz", readyz, methods=["GET"]),
            Route("/auth/dev-token", dev_token, methods=["POST"]),
            Mount(STATIC_PATH, StaticFiles(directory=STATIC_DIR), name="static"),
        ],
        lifespan=lifespan,
    )
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
        extra={"embedded_dynamodb": services.embedded, "auth": identity.mode},
    )
