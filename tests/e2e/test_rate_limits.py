"""Rate limits per principal over a real socket, with tokens from a real OIDC issuer: one
principal's flood of transfers is throttled to its budget while another's still succeed;
spent operations get HTTP 429 with Retry-After; failed authentications are bounded per
client address. Figures are printed (`pytest -s`)."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from entrypoints.app import create_app
from tests.documents import CREATE, TRANSFER
from tests.e2e.conftest import Api, e2e_settings, serving
from tests.e2e.live import PROTOCOLS, GraphQLSocket
from tests.support.oidc_issuer import AUDIENCE, OidcIssuer, running_issuer

TRANSFERS_PER_MINUTE = 20
OPERATIONS_PER_MINUTE = 300
UNAUTHENTICATED_PER_MINUTE = 5


def report(line: str) -> None:
    print(line)  # noqa: T201


@pytest.fixture(scope="module")
def limited(dynamodb_endpoint: str) -> Iterator[tuple[Api, OidcIssuer]]:
    with running_issuer() as issuer:
        settings = e2e_settings(
            dynamodb_endpoint,
            auth_disabled=False,
            auth_issuer=issuer.url,
            auth_audience=AUDIENCE,
            rate_limits=True,
            rate_limit_transfers=f"{TRANSFERS_PER_MINUTE}/minute",
            rate_limit_operations=f"{OPERATIONS_PER_MINUTE}/minute",
            rate_limit_unauthenticated=f"{UNAUTHENTICATED_PER_MINUTE}/minute",
        )
        with serving(create_app(settings)) as url:
            yield Api(url, settings), issuer


def headers(token: str | None) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"} if token else {}


def post(api: Api, token: str | None, query: str, **variables: Any) -> httpx.Response:
    body = {"query": query, "variables": variables}
    return httpx.post(api.graphql, json=body, headers=headers(token), timeout=30)


def open_account(api: Api, operator: str, account_id: str, owner: str) -> None:
    created = post(
        api,
        operator,
        CREATE,
        input={"id": account_id, "initialBalance": "1000", "ownerId": owner},
    ).json()
    assert created["data"]["createAccount"]["userErrors"] == [], created


def test_one_principals_flood_is_throttled_while_anothers_transfers_succeed(
    limited: tuple[Api, OidcIssuer],
) -> None:
    api, issuer = limited
    run = uuid.uuid4().hex[:8]
    operator = issuer.token(f"ops-{run}", operator=True)
    subjects = {name: f"{name}-sub-{run}" for name in ("flooder", "quiet")}
    tokens = {name: issuer.token(subject) for name, subject in subjects.items()}
    for name, subject in subjects.items():
        open_account(api, operator, f"{name}-{run}", subject)
    open_account(api, operator, f"sink-{run}", f"sink-sub-{run}")

    def pay(name: str) -> dict[str, Any]:
        return {
            "fromAccountId": f"{name}-{run}",
            "toAccountId": f"sink-{run}",
            "amount": "0.01",
            "idempotencyKey": uuid.uuid4().hex,  # each request its own transfer
        }

    async def flood(count: int) -> tuple[list[dict[str, Any]], float]:
        limits = httpx.Limits(max_connections=50)
        async with httpx.AsyncClient(timeout=60, limits=limits) as client:
            bodies = [
                {"query": TRANSFER, "variables": {"input": pay("flooder")}} for _ in range(count)
            ]
            started = time.perf_counter()
            responses = await asyncio.gather(
                *(
                    client.post(api.graphql, json=body, headers=headers(tokens["flooder"]))
                    for body in bodies
                )
            )
            elapsed = time.perf_counter() - started
        assert all(r.status_code == 200 for r in responses)
        return [r.json() for r in responses], elapsed

    bodies, elapsed = asyncio.run(flood(200))
    done = [b for b in bodies if "errors" not in b]
    refused = [b for b in bodies if "errors" in b]
    assert len(done) == TRANSFERS_PER_MINUTE
    for body in refused:
        [error] = body["errors"]
        assert error["extensions"]["code"] == "RATE_LIMITED", body
        assert error["extensions"]["retryAfter"] >= 1
        assert error["path"] == ["transfer"]
    report(
        f"\n200 transfers from one principal in {elapsed:.2f} s ({200 / elapsed:.0f}/s): "
        f"{len(done)} done, {len(refused)} refused with RATE_LIMITED"
    )
    for _ in range(5):  # the other principal is not affected
        ok = post(api, tokens["quiet"], TRANSFER, input=pay("quiet")).json()
        assert ok["data"]["transfer"]["userErrors"] == [], ok


def test_spent_operations_get_429_with_retry_after(limited: tuple[Api, OidcIssuer]) -> None:
    api, issuer = limited
    token = issuer.token(f"busy-{uuid.uuid4().hex[:8]}")
    with httpx.Client(timeout=30, headers=headers(token)) as client:
        statuses = [
            client.post(api.graphql, json={"query": "{ __typename }"}).status_code
            for _ in range(OPERATIONS_PER_MINUTE)
        ]
        assert set(statuses) == {200}
        refused = client.post(api.graphql, json={"query": "{ __typename }"})
    assert refused.status_code == 429
    assert int(refused.headers["retry-after"]) >= 1
    [error] = refused.json()["errors"]
    assert error["extensions"]["code"] == "RATE_LIMITED"
    assert error["extensions"]["retryAfter"] == int(refused.headers["retry-after"])
    other = post(api, issuer.token(f"other-{uuid.uuid4().hex[:8]}"), "{ __typename }")
    assert other.status_code == 200


def test_failed_authentications_are_bounded_per_client_address(
    limited: tuple[Api, OidcIssuer],
) -> None:
    api, _ = limited
    statuses = [
        post(api, f"guess-{n}", "{ __typename }").status_code
        for n in range(UNAUTHENTICATED_PER_MINUTE + 3)
    ]
    assert statuses[:UNAUTHENTICATED_PER_MINUTE] == [401] * UNAUTHENTICATED_PER_MINUTE
    assert set(statuses[UNAUTHENTICATED_PER_MINUTE:]) == {429}


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_each_operation_over_a_websocket_spends_the_budget(
    limited: tuple[Api, OidcIssuer], protocol: str
) -> None:
    api, issuer = limited
    token = issuer.token(f"socket-{uuid.uuid4().hex[:8]}")

    async def scenario() -> list[dict[str, Any]]:
        async with GraphQLSocket.open(api.url, protocol, token) as socket:
            for n in range(OPERATIONS_PER_MINUTE + 2):
                await socket.subscribe_balance(str(n), "no-such-account")
            return [await socket.receive(str(n)) for n in range(OPERATIONS_PER_MINUTE + 2)]

    first = asyncio.run(scenario())
    for message in first[:OPERATIONS_PER_MINUTE]:  # run, and refused for what they ask
        assert "RATE_LIMITED" not in json.dumps(message), message
    for message in first[OPERATIONS_PER_MINUTE:]:
        assert message["type"] == "error", message
        payload = message["payload"]
        error = payload[0] if isinstance(payload, list) else payload
        assert error["extensions"]["code"] == "RATE_LIMITED"
        assert error["extensions"]["retryAfter"] >= 1
