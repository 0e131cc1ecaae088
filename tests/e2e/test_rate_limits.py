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
from decimal import Decimal
from typing import Any

import httpx
import pytest

from tests.documents import CREATE, TRANSFER
from tests.e2e.conftest import Api, e2e_settings
from tests.e2e.live import PROTOCOLS, GraphQLSocket
from tests.movement_documents import AUTHORIZE
from tests.support.app_process import ProcessApi, serving_process
from tests.support.oidc_issuer import AUDIENCE, OidcIssuer, running_issuer

TRANSFERS_PER_MINUTE = 20
OPERATIONS_PER_MINUTE = 300
UNAUTHENTICATED_PER_MINUTE = 5


def report(line: str) -> None:
    print(line)  # noqa: T201


@pytest.fixture(scope="module")
def limited(dynamodb_endpoint: str) -> Iterator[tuple[ProcessApi, OidcIssuer]]:
    """The limits on a `ledger serve` process of its own, so a flood from this process is not
    slowed by sharing an interpreter with the server."""
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
        with serving_process(settings) as server:
            yield ProcessApi(server.url, settings, server), issuer


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


FLOOD = 1_000


def test_one_principals_flood_is_throttled_while_anothers_transfers_succeed(
    limited: tuple[ProcessApi, OidcIssuer],
) -> None:
    """1,000 transfers offered at up to 1,000 a second (paced, many connections) from one
    principal: exactly its budget of transfers is done, the rest are refused (RATE_LIMITED
    while its operations last, then HTTP 429), and another principal paying during the
    flood is never refused."""
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
            "query": TRANSFER,
            "variables": {
                "input": {
                    "fromAccountId": f"{name}-{run}",
                    "toAccountId": f"sink-{run}",
                    "amount": "0.01",
                    "idempotencyKey": uuid.uuid4().hex,  # each request its own transfer
                }
            },
        }

    async def flood() -> tuple[list[httpx.Response], list[httpx.Response], float]:
        limits = httpx.Limits(max_connections=100, max_keepalive_connections=100)
        async with httpx.AsyncClient(timeout=60, limits=limits) as client:

            async def send(name: str, delay: float) -> httpx.Response:
                await asyncio.sleep(delay)
                return await client.post(api.graphql, json=pay(name), headers=headers(tokens[name]))

            started = time.perf_counter()
            flooded = [send("flooder", n / FLOOD) for n in range(FLOOD)]  # 1,000 a second
            quiet = [send("quiet", 0.1 * n) for n in range(1, 6)]  # during the flood
            responses = await asyncio.gather(*flooded, *quiet)
            elapsed = time.perf_counter() - started
        return responses[:FLOOD], responses[FLOOD:], elapsed

    cpu_before = api.server.cpu_seconds()
    flooded, quiet, elapsed = asyncio.run(flood())
    server_cpu = api.server.cpu_seconds() - cpu_before
    done = refused_in_graphql = refused_in_http = 0
    for response in flooded:
        if response.status_code == 429:
            assert int(response.headers["retry-after"]) >= 1
            [error] = response.json()["errors"]
            assert error["extensions"]["code"] == "RATE_LIMITED"
            refused_in_http += 1
            continue
        assert response.status_code == 200, response.text
        body = response.json()
        if "errors" not in body:
            assert body["data"]["transfer"]["userErrors"] == [], body
            done += 1
            continue
        [error] = body["errors"]
        assert error["extensions"]["code"] == "RATE_LIMITED", body
        assert error["extensions"]["retryAfter"] >= 1
        assert error["path"] == ["transfer"]
        refused_in_graphql += 1
    report(
        f"\n{FLOOD} transfers offered at {FLOOD}/s by one principal, answered in"
        f" {elapsed:.2f} s ({FLOOD / elapsed:.0f}/s): {done} done, {refused_in_graphql}"
        f" refused with RATE_LIMITED, {refused_in_http} with HTTP 429; the server spent"
        f" {server_cpu:.2f} s of CPU on them ({server_cpu / FLOOD * 1000:.2f} ms each): this"
        f" client, not the server, sets the pace"
    )
    assert done == TRANSFERS_PER_MINUTE
    assert refused_in_graphql == OPERATIONS_PER_MINUTE - TRANSFERS_PER_MINUTE
    assert refused_in_http == FLOOD - OPERATIONS_PER_MINUTE
    for response in quiet:  # the other principal is not affected
        assert response.status_code == 200, response.text
        assert response.json()["data"]["transfer"]["userErrors"] == [], response.text
    query = "query($id: ID!) { account(id: $id) { balance } }"
    balance = post(api, operator, query, id=f"flooder-{run}").json()["data"]["account"]["balance"]
    assert Decimal(balance) == 1000 - Decimal("0.01") * TRANSFERS_PER_MINUTE


def test_spent_operations_get_429_with_retry_after(limited: tuple[ProcessApi, OidcIssuer]) -> None:
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
    limited: tuple[ProcessApi, OidcIssuer],
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
    limited: tuple[ProcessApi, OidcIssuer], protocol: str
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


def test_holds_spend_the_transfer_budget(limited: tuple[ProcessApi, OidcIssuer]) -> None:
    """authorizeTransfer moves money later: it counts as a transfer, like transfer itself."""
    api, issuer = limited
    run = uuid.uuid4().hex[:8]
    operator = issuer.token(f"ops-{run}", operator=True)
    subject = f"holder-sub-{run}"
    open_account(api, operator, f"holder-{run}", subject)
    open_account(api, operator, f"merchant-{run}", f"merchant-sub-{run}")
    token = issuer.token(subject)
    codes = []
    for _ in range(TRANSFERS_PER_MINUTE + 2):
        body = post(
            api,
            token,
            AUTHORIZE,
            input={
                "fromAccountId": f"holder-{run}",
                "toAccountId": f"merchant-{run}",
                "amount": "1",
                "idempotencyKey": uuid.uuid4().hex,
            },
        ).json()
        if "errors" in body:
            codes.append(body["errors"][0]["extensions"]["code"])
        else:
            assert body["data"]["authorizeTransfer"]["userErrors"] == [], body
            codes.append("HELD")
    assert codes == ["HELD"] * TRANSFERS_PER_MINUTE + ["RATE_LIMITED"] * 2
