"""GraphQL websockets take a lane of their own past the HTTP-only middleware
(entrypoints/socket_lane.py): what acts on a websocket still does, everything else is served
by Starlette as before. The host check on websockets is in test_limits.py, the connection
gauge in test_metrics.py."""

from __future__ import annotations

import httpx

from entrypoints.app import create_app
from entrypoints.socket_lane import LedgerApp, SocketLane
from tests.e2e.conftest import e2e_settings, serving


def handshake(url: str, path: str, **headers: str) -> httpx.Response:
    upgrade = {
        "Connection": "Upgrade",
        "Upgrade": "websocket",
        "Sec-WebSocket-Version": "13",
        "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
        "Sec-WebSocket-Protocol": "graphql-transport-ws",
        **headers,
    }
    with httpx.stream("GET", url + path, headers=upgrade, timeout=10) as response:
        return response


def test_graphql_websockets_take_the_lane(dynamodb_endpoint: str) -> None:
    app = create_app(e2e_settings(dynamodb_endpoint))
    assert isinstance(app, LedgerApp)
    # Traces off: the host check, request id and connection gauge are one frame.
    assert isinstance(app.socket_lane, SocketLane)
    with serving(app) as url:
        accepted = handshake(url, "/graphql", **{"X-Request-Id": "lane-check-1"})
        assert accepted.status_code == 101
        # The request id middleware is on the lane: the client's id is echoed on the accept.
        assert accepted.headers["x-request-id"] == "lane-check-1"
        assert accepted.headers["sec-websocket-protocol"] == "graphql-transport-ws"
        generated = handshake(url, "/graphql")
        assert len(generated.headers["x-request-id"]) == 32


def test_other_websockets_and_http_are_starlettes(dynamodb_endpoint: str) -> None:
    with serving(create_app(e2e_settings(dynamodb_endpoint))) as url:
        # No route: Starlette's router refuses the upgrade, as before the lane.
        assert handshake(url, "/graphq").status_code == 403
        assert handshake(url, "/graphql/").status_code == 403
        assert handshake(url, "/healthz").status_code == 403
        assert httpx.get(url + "/healthz").status_code == 200
        query = httpx.post(url + "/graphql", json={"query": "{ __typename }"})
        assert query.status_code in (200, 401)
