"""Issue 9's limits over a real socket: costly documents refused before they run, rate limits
per principal with 429 and Retry-After. Figures are printed (`pytest -s`); bounds are generous."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator

import httpx
import pytest

from bench.data import dynamodb, put_history
from entrypoints.app import create_app
from entrypoints.limits import trusted_hosts
from services.settings import Settings
from tests.e2e.conftest import Api, e2e_settings, serving

ENTRIES = 1000
ACCOUNT = "hot-history"


def report(line: str) -> None:
    print(line)  # noqa: T201


def nested(account: str) -> dict[str, str]:
    """The issue's document and its variants with aliases and fragments."""
    ids = "[" + ", ".join([f'"{account}"'] * 100) + "]"
    deep = (
        "transactions(first: 100) { edges { node { transfer { fromAccount {"
        " transactions(first: 100) { edges { node { id amount } } } } } } } }"
    )
    return {
        "nested": f"{{ accounts(ids: {ids}) {{ {deep} }} }}",
        "aliases": " ".join(
            ["{"] + [f'a{i}: account(id: "{account}") {{ {deep} }}' for i in range(10)] + ["}"]
        ),
        "fragments": (
            f'{{ a: account(id: "{account}") {{ ...Deep }} b: account(id: "{account}") '
            f"{{ ...Deep }} }} fragment Deep on Account {{ {deep} }}"
        ),
    }


@pytest.fixture(scope="module")
def api(dynamodb_endpoint: str) -> Iterator[Api]:
    settings = e2e_settings(dynamodb_endpoint)
    with serving(create_app(settings)) as url:

        async def load() -> None:
            async with dynamodb(dynamodb_endpoint) as client:
                await put_history(client, settings.table_name, ACCOUNT, ENTRIES)

        asyncio.run(load())
        yield Api(url, settings)


def test_nested_connections_are_refused_before_they_run(api: Api) -> None:
    page = api.data(
        f'{{ account(id: "{ACCOUNT}") {{ transactions(first: 100) {{ edges {{ cursor }} }} }} }}'
    )
    assert len(page["account"]["transactions"]["edges"]) == 100
    with httpx.Client(timeout=30) as client:
        for name, document in nested(ACCOUNT).items():
            timings = []
            for _ in range(5):
                started = time.perf_counter()
                response = client.post(api.graphql, json={"query": document})
                timings.append(time.perf_counter() - started)
                assert response.status_code == 200, response.text
                body = response.json()
                assert body.get("data") is None
                assert body["errors"][0]["extensions"]["code"] == "QUERY_TOO_COMPLEX", body
                assert body["extensions"]["cost"]["maxCost"] == api.settings.graphql_max_cost
            report(
                f"\n{name}: refused in {min(timings) * 1000:.1f} ms best, "
                f"{max(timings) * 1000:.1f} ms worst of 5 ({len(document)} bytes)"
            )
            assert max(timings) < 1.0


def test_every_response_carries_its_cost(api: Api) -> None:
    response = api.post(f'{{ account(id: "{ACCOUNT}") {{ id balance }} }}')
    assert response.json()["extensions"]["cost"] == {
        "requestedQueryCost": 3,
        "maxCost": api.settings.graphql_max_cost,
    }


def test_only_allowed_host_names_are_served(dynamodb_endpoint: str) -> None:
    settings = e2e_settings(dynamodb_endpoint, allowed_hosts="127.0.0.1, api.example.com")
    with serving(create_app(settings)) as url:
        query = {"query": "{ __typename }"}
        assert httpx.post(url + "/graphql", json=query).status_code == 200
        named = httpx.post(url + "/graphql", json=query, headers={"Host": "api.example.com"})
        assert named.status_code == 200
        for host in ("rebound.example", "127.0.0.1.rebound.example"):
            refused = httpx.post(url + "/graphql", json=query, headers={"Host": host})
            assert refused.status_code == 400
            assert httpx.get(url + "/healthz", headers={"Host": host}).status_code == 400

        def handshake(host: str) -> int:
            """A websocket upgrade with this Host, as a rebound page's browser would send it."""
            upgrade = {
                "Host": host,
                "Origin": f"http://{host}",
                "Connection": "Upgrade",
                "Upgrade": "websocket",
                "Sec-WebSocket-Version": "13",
                "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
                "Sec-WebSocket-Protocol": "graphql-transport-ws",
            }
            with httpx.stream("GET", url + "/graphql", headers=upgrade, timeout=10) as response:
                return response.status_code

        assert handshake("rebound.example") == 400
        assert handshake("api.example.com") == 101


def test_a_development_server_answers_to_loopback_names_only() -> None:
    assert trusted_hosts(Settings(embedded=True)) == ["localhost", "127.0.0.1", "::1"]
    assert trusted_hosts(Settings(embedded=False)) == ["*"]
    assert trusted_hosts(Settings(allowed_hosts="A.example, *.b.example")) == [
        "a.example",
        "*.b.example",
    ]
