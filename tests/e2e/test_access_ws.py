"""Websocket authentication on both subprotocols: the credential in `connection_init` (or the
upgrade request's header), refusals before any operation, another holder's account, and no
socket outliving its token."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed
from websockets.typing import Subprotocol

from entrypoints.app import create_app
from tests.documents import CREATE
from tests.e2e.conftest import Api, e2e_settings, serving
from tests.e2e.live import BALANCE_CHANGED, LEGACY_WS, PROTOCOLS, TIMEOUT, GraphQLSocket
from tests.e2e.test_access import Caller
from tests.support.oidc_issuer import AUDIENCE, OidcIssuer, running_issuer


@pytest.fixture(scope="module")
def issued(dynamodb_endpoint: str) -> Iterator[tuple[Api, OidcIssuer]]:
    with running_issuer() as issuer:
        settings = e2e_settings(
            dynamodb_endpoint,
            auth_disabled=False,
            auth_issuer=issuer.url,
            auth_audience=AUDIENCE,
            auth_leeway_seconds=0,  # a token is refused the moment it expires
        )
        with serving(create_app(settings)) as url:
            yield Api(url, settings), issuer


@pytest.fixture(scope="module")
def accounts(issued: tuple[Api, OidcIssuer]) -> dict[str, str]:
    api, issuer = issued
    ops = Caller(api, issuer.token("ops", operator=True))
    for owner in ("alice", "bob"):
        created = ops.data(
            CREATE, input={"id": f"ws-{owner}", "ownerId": owner, "initialBalance": "10"}
        )
        assert created["createAccount"]["userErrors"] == []
    return {"alice": "ws-alice", "bob": "ws-bob"}


def ws_url(api: Api) -> str:
    return api.graphql.replace("http://", "ws://")


async def refused_init(api: Api, protocol: str, payload: Any, **connect_args: Any) -> int:
    """Send `connection_init` with `payload`; the close code the server answers with."""
    async with connect(
        ws_url(api), subprotocols=[Subprotocol(protocol)], open_timeout=TIMEOUT, **connect_args
    ) as ws:
        await ws.send(json.dumps({"type": "connection_init", "payload": payload}))
        messages = []
        with contextlib.suppress(ConnectionClosed):  # read until the server closes
            async for raw in ws:
                messages.append(json.loads(raw))
    if protocol == LEGACY_WS:  # the legacy protocol says why before it closes
        assert [m["type"] for m in messages] == ["connection_error"]
        assert messages[0]["payload"]["code"] == "UNAUTHENTICATED"
    else:
        assert messages == []
    assert ws.close_code is not None
    return ws.close_code


@pytest.mark.parametrize("protocol", PROTOCOLS)
async def test_missing_or_bad_credentials_close_with_4403(
    issued: tuple[Api, OidcIssuer], protocol: str
) -> None:
    api, issuer = issued
    for payload in (
        {},
        {"Authorization": "Bearer not-a-token"},
        {"Authorization": f"Bearer {issuer.token('alice', aud='elsewhere')}"},
        {"Authorization": f"Bearer {issuer.unsigned_token('alice')}"},
    ):
        assert await refused_init(api, protocol, payload) == 4403, payload


@pytest.mark.parametrize("protocol", PROTOCOLS)
async def test_a_start_before_init_runs_nothing(
    issued: tuple[Api, OidcIssuer], accounts: dict[str, str], protocol: str
) -> None:
    api, _ = issued
    async with connect(
        ws_url(api), subprotocols=[Subprotocol(protocol)], open_timeout=TIMEOUT
    ) as ws:
        kind = "start" if protocol == LEGACY_WS else "subscribe"
        payload = {"query": BALANCE_CHANGED, "variables": {"id": accounts["alice"]}}
        await ws.send(json.dumps({"id": "1", "type": kind, "payload": payload}))
        with contextlib.suppress(TimeoutError, ConnectionClosed):
            async with asyncio.timeout(1.0):
                async for raw in ws:
                    assert json.loads(raw).get("type") not in ("next", "data"), raw


@pytest.mark.parametrize("protocol", PROTOCOLS)
async def test_the_upgrade_requests_header_is_accepted_too(
    issued: tuple[Api, OidcIssuer], accounts: dict[str, str], protocol: str
) -> None:
    api, issuer = issued
    headers = {"Authorization": f"Bearer {issuer.token('alice')}"}
    async with connect(
        ws_url(api),
        subprotocols=[Subprotocol(protocol)],
        open_timeout=TIMEOUT,
        additional_headers=headers,
    ) as ws:
        await ws.send(json.dumps({"type": "connection_init", "payload": {}}))
        ack = json.loads(await asyncio.wait_for(ws.recv(), TIMEOUT))
        assert ack["type"] == "connection_ack"


@pytest.mark.parametrize("protocol", PROTOCOLS)
async def test_a_holder_watches_its_own_account_only(
    issued: tuple[Api, OidcIssuer], accounts: dict[str, str], protocol: str
) -> None:
    api, issuer = issued
    async with GraphQLSocket.open(api.url, protocol, issuer.token("alice")) as ws:
        await ws.subscribe_balance("other", accounts["bob"])
        refused = await ws.receive("other")
        assert refused["type"] == "error"
        [error] = refused["payload"] if protocol != LEGACY_WS else [refused["payload"]]
        assert error["extensions"]["code"] == "ACCOUNT_NOT_FOUND"
        assert "10" not in json.dumps(refused)  # nothing of bob's account
        await ws.subscribe_balance("own", accounts["alice"], after_version=0)
        [opening] = await ws.changes("own", 1)
        assert opening["balance"] == "10.00"


@pytest.mark.parametrize("protocol", PROTOCOLS)
async def test_a_socket_is_closed_when_its_token_expires(
    issued: tuple[Api, OidcIssuer], accounts: dict[str, str], protocol: str
) -> None:
    api, issuer = issued
    lifetime = 2
    token = issuer.token("alice", exp=int(time.time()) + lifetime)
    async with GraphQLSocket.open(api.url, protocol, token) as ws:
        await ws.subscribe_balance("own", accounts["alice"])
        started = time.monotonic()
        await asyncio.wait_for(ws.ws.wait_closed(), lifetime + TIMEOUT)
        assert ws.ws.close_code == 4403
    assert time.monotonic() - started <= lifetime + TIMEOUT
