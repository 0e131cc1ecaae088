"""Browser apps on other origins: CORS on HTTP and the Origin check on websockets."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus
from websockets.typing import Origin, Subprotocol

from entrypoints.app import create_app
from tests.e2e.conftest import e2e_settings, serving

APP_ORIGIN = "https://app.example.com"
OTHER_ORIGIN = "https://evil.example.net"


@pytest.fixture(scope="module")
def cors_url(dynamodb_endpoint: str) -> Iterator[str]:
    with serving(create_app(e2e_settings(dynamodb_endpoint, cors_origins=[APP_ORIGIN]))) as url:
        yield url


@pytest.fixture(scope="module")
def closed_url(dynamodb_endpoint: str) -> Iterator[str]:
    with serving(create_app(e2e_settings(dynamodb_endpoint))) as url:
        yield url


def preflight(url: str, origin: str) -> httpx.Response:
    return httpx.options(
        url + "/graphql",
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )


def test_listed_origin_may_post(cors_url: str) -> None:
    answer = preflight(cors_url, APP_ORIGIN)
    assert answer.status_code == 200
    assert answer.headers["access-control-allow-origin"] == APP_ORIGIN
    posted = httpx.post(
        cors_url + "/graphql", json={"query": "{ __typename }"}, headers={"Origin": APP_ORIGIN}
    )
    assert posted.json()["data"] == {"__typename": "Query"}
    assert posted.headers["access-control-allow-origin"] == APP_ORIGIN


def test_other_origins_get_no_cors_grant(cors_url: str, closed_url: str) -> None:
    assert "access-control-allow-origin" not in preflight(cors_url, OTHER_ORIGIN).headers
    assert "access-control-allow-origin" not in preflight(closed_url, APP_ORIGIN).headers


async def handshake(url: str, origin: str) -> int:
    ws_url = url.replace("http://", "ws://", 1) + "/graphql"
    try:
        async with connect(
            ws_url,
            origin=Origin(origin),
            subprotocols=[Subprotocol("graphql-transport-ws")],
            proxy=None,
        ):
            return 101
    except InvalidStatus as refused:
        return refused.response.status_code


async def test_websocket_handshake_checks_the_origin(cors_url: str, closed_url: str) -> None:
    assert await handshake(cors_url, APP_ORIGIN) == 101
    assert await handshake(cors_url, OTHER_ORIGIN) == 403
    assert await handshake(closed_url, APP_ORIGIN) == 403
    assert await handshake(closed_url, closed_url) == 101  # same origin: always
