"""GraphQL over HTTP on Strawberry's ASGI view, with the gaps of the stock view closed.

- `application/graphql-response+json` when the Accept header asks for it, with the
  specification's status codes: 400 when the request fails before execution (a syntax,
  validation or variable error: the body has no `data`), 200 once execution started.
  Plain `application/json` (the default, and for `*/*`) keeps 200 for GraphQL errors.
- A mutation over GET is 405 with `Allow: POST`; request errors are JSON, not plain text.
- GraphiQL loads from assets this service serves itself, under a strict CSP.
- Subscriptions over websocket, both `graphql-transport-ws` and the legacy `graphql-ws`,
  with server keep-alives on both (see `entrypoints.graphql_ws`).
"""

from __future__ import annotations

import asyncio
import html
import json
from importlib.resources import files
from typing import TYPE_CHECKING, Any

from cross_web import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.http import GraphQLHTTPResponse, process_result
from strawberry.schema.exceptions import InvalidOperationTypeError
from strawberry.types import ExecutionResult
from strawberry.types.unset import UNSET, UnsetType

from entrypoints.graphql_ws import KeepAliveTransportWSHandler, LegacyWSHandler
from entrypoints.http_media import (
    GRAPHQL_RESPONSE_JSON,
    JSON,
    any_request_error,
    is_ide_page,
    is_request_error,
    negotiate,
)
from entrypoints.json_input import decode_request_json
from entrypoints.limits import client_address, rate_key, refused, too_many_requests
from entrypoints.transport import OpenSockets, TransportLimits, refusal
from entrypoints.ws_adapter import LeanWebSocketAdapter
from entrypoints.ws_clock import SocketClock
from graph.context import Context
from graph.masking import shortened
from services.domain.errors import ErrorCode
from services.identity import authorization_from_connection_params
from services.identity.errors import Unauthenticated
from services.ratelimit import OPERATIONS, UNAUTHENTICATED

if TYPE_CHECKING:
    from collections.abc import Sequence

    from cross_web import AsyncHTTPRequestAdapter
    from starlette.types import Receive, Scope, Send
    from strawberry.http import GraphQLRequestData
    from strawberry.schema import BaseSchema

    from services.bootstrap import ApiServices

STATIC_PATH = "/static"

#: Only this origin's scripts, styles and fetches; no inline script, no framing.
GRAPHIQL_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'none'"
)


class LedgerGraphQL(GraphQL[Context, None]):
    graphql_transport_ws_handler_class = KeepAliveTransportWSHandler
    graphql_ws_handler_class = LegacyWSHandler
    websocket_adapter_class = LeanWebSocketAdapter

    def __init__(
        self,
        schema: BaseSchema,
        *,
        graphiql: bool = True,
        keep_alive_seconds: float = 15.0,
        allowed_origins: Sequence[str] = (),
        limits: TransportLimits = TransportLimits(),  # noqa: B008 - frozen, never mutated
    ) -> None:
        super().__init__(
            schema,
            graphql_ide="graphiql" if graphiql else None,
            # `ka` on legacy graphql-ws; KeepAliveTransportWSHandler pings on the other.
            keep_alive=True,
            keep_alive_interval=keep_alive_seconds,
            # Cross-site websocket handshakes: only from these origins (same origin always).
            allowed_origins=allowed_origins,
            # Both subprotocols: operations at once per socket, and the wait for its init.
            max_subscriptions_per_connection=limits.max_operations_per_socket,
            connection_init_wait_timeout=limits.connection_init_timeout,
        )
        self.sockets = OpenSockets(limits)
        #: Held while a graphql-transport-ws operation starts (graph.push.run_operation).
        self.operation_starts = asyncio.Semaphore(limits.max_operation_starts)
        #: The keep-alive and init-timeout timers of every websocket of this view.
        self.clock = SocketClock(keep_alive_seconds, limits.connection_init_timeout.total_seconds())
        template = files("entrypoints.static").joinpath("graphiql.html").read_text("utf-8")
        self._graphiql_page = template.replace("{static}", STATIC_PATH)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            if not self.sockets.admit():
                busy = refusal(503, "too many open websockets", {"Retry-After": "5"})
                await busy(scope, receive, send)
                return
            try:
                # What GraphQL.__call__ does for a websocket, without its frame on the stack
                # for the socket's life.
                await self.run(WebSocket(scope, receive=receive, send=send))
            finally:
                self.sockets.leave()
            return
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        request = Request(scope, receive)
        # Every GraphQL request is authenticated before anything is parsed; only the GraphiQL
        # page itself (no data) is public.
        if not (self.graphql_ide and is_ide_page(request)):
            services: ApiServices = request.app.state.services
            authorization = request.headers.get("authorization")
            try:
                principal = await services.identity.authenticator.authenticate(authorization)
            except Unauthenticated as unauthenticated:
                address = client_address(request)
                throttled = await refused(services.limiter, UNAUTHENTICATED, address)
                response = (
                    too_many_requests(throttled, negotiate(request.headers.get("accept")))
                    if throttled
                    else self.unauthenticated_response(request, unauthenticated, authorization)
                )
                await response(scope, receive, send)
                return
            key = rate_key(principal, client_address(request))
            if throttled := await refused(services.limiter, OPERATIONS, key):
                media_type = negotiate(request.headers.get("accept"))
                await too_many_requests(throttled, media_type)(scope, receive, send)
                return
            request.state.principal = principal
        try:
            response = await self.run(request)
        except HTTPException as error:
            response = self.error_response(request, error.status_code, error.reason)
        await response(scope, receive, send)

    def unauthenticated_response(
        self, request: Request, refused: Unauthenticated, authorization: str | None
    ) -> Response:
        """HTTP 401 with the RFC 6750 challenge; the reason is a fixed phrase, never the token."""
        challenge = 'Bearer realm="ledger"'
        if authorization:
            challenge += ', error="invalid_token"'
        body = {
            "errors": [
                {
                    "message": f"authentication required ({refused.reason})",
                    "extensions": {"code": ErrorCode.UNAUTHENTICATED.value},
                }
            ]
        }
        media_type = negotiate(request.headers.get("accept"))
        return Response(
            self.encode_json(body),
            status_code=401,
            headers={"WWW-Authenticate": challenge},
            media_type=f"{media_type}; charset=utf-8",
        )

    async def on_ws_connect(self, context: Context) -> UnsetType | dict[str, object] | None:
        """Authenticate a websocket in its `connection_init`: the payload's `Authorization`
        (what Apollo, urql and graphql-ws send as `connectionParams`), else the upgrade
        request's header. Refused: 4403 before any operation runs."""
        credential = (
            authorization_from_connection_params(context.connection_params) or context.credential
        )
        try:
            context.principal = await context.authenticate(credential)
        except Unauthenticated as refused:
            raise ConnectionRejectionError(
                {
                    "message": f"authentication required ({refused.reason})",
                    "code": ErrorCode.UNAUTHENTICATED.value,
                }
            ) from None
        context.credential = credential
        acknowledged: UnsetType = UNSET  # an ack without payload
        return acknowledged

    def error_response(self, request: Request, status_code: int, reason: str) -> Response:
        """A request that never reached execution, as a GraphQL response body."""
        headers = {"Allow": "GET, POST"} if status_code == 405 else {}
        if status_code == 405 and request.method == "GET":
            headers["Allow"] = "POST"  # the operation was a mutation: only POST can run it
        media_type = negotiate(request.headers.get("accept"))
        return Response(
            self.encode_json({"errors": [{"message": shortened(reason)}]}),  # may echo input
            status_code=status_code,
            headers=headers,
            media_type=f"{media_type}; charset=utf-8",
        )

    async def get_context(self, request: Request | WebSocket, response: Any) -> Context:
        services: ApiServices = request.app.state.services
        if isinstance(request, WebSocket):
            # Authenticated by its connection_init (on_ws_connect); the upgrade request's
            # header is the fallback credential.
            context = Context.for_request(
                services.ledger,
                principal=None,
                max_page_size=services.settings.graphql_max_page_size,
                balances=services.balances,
            )
            context.credential = request.headers.get("authorization")
            context.authenticator = services.identity.authenticator
            context.limiter, context.client_address = services.limiter, client_address(request)
            return context
        return Context.for_request(
            services.ledger,
            principal=getattr(request.state, "principal", None),  # None: the GraphiQL page
            max_page_size=services.settings.graphql_max_page_size,
            balances=services.balances,
        )

    async def get_sub_response(self, request: Request | WebSocket) -> Response:
        sub_response = await super().get_sub_response(request)
        sub_response.media_type = negotiate(request.headers.get("accept"))
        return sub_response

    async def execute_single(
        self,
        request: Request,
        request_adapter: AsyncHTTPRequestAdapter,
        sub_response: Response,
        context: Context,
        root_value: None,
        request_data: GraphQLRequestData,
    ) -> ExecutionResult:
        try:
            return await super().execute_single(
                request=request,
                request_adapter=request_adapter,
                sub_response=sub_response,
                context=context,
                root_value=root_value,
                request_data=request_data,
            )
        except HTTPException as error:
            if isinstance(error.__cause__, InvalidOperationTypeError):
                raise HTTPException(405, error.reason) from error.__cause__
            raise

    async def process_result(
        self, request: Request, result: ExecutionResult
    ) -> GraphQLHTTPResponse:
        response = process_result(result)
        if is_request_error(result):
            del response["data"]  # the specification: no `data` when execution never started
        return response

    def create_response(
        self,
        response_data: GraphQLHTTPResponse | list[GraphQLHTTPResponse],
        sub_response: Response,
    ) -> Response:
        media_type = sub_response.media_type or JSON
        status_code = 200
        if media_type == GRAPHQL_RESPONSE_JSON and any_request_error(response_data):
            status_code = 400
        response = Response(
            self.encode_json(response_data),
            status_code=status_code,
            media_type=f"{media_type}; charset=utf-8",
        )
        response.headers.raw.extend(
            (k, v) for k, v in sub_response.headers.raw if k.lower() != b"content-type"
        )
        return response

    async def render_graphql_ide(self, request: Request) -> Response:
        # Embedded mode only: the development operator's token, so the first query just works.
        headers = getattr(request.app.state, "graphiql_headers", None)
        page = self._graphiql_page.replace("{endpoint}", html.escape(request.url.path))
        page = page.replace("{headers}", html.escape(json.dumps(headers) if headers else ""))
        return HTMLResponse(
            page,
            headers={
                "Content-Security-Policy": GRAPHIQL_CSP,
                "X-Content-Type-Options": "nosniff",
                "Referrer-Policy": "no-referrer",
                "Cache-Control": "no-store",
            },
        )

    def decode_json(self, data: str | bytes) -> object:
        return decode_request_json(data)

    def encode_json(self, data: object) -> str:
        return json.dumps(data, separators=(",", ":"), ensure_ascii=False)
