"""Rate limits shared through Redis: two `ledger serve` replicas (processes of their own) on one
table and one redis-server, a client alternating between them. One budget per principal in
all, not one per replica; another principal keeps its own."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import ExitStack
from decimal import Decimal
from itertools import cycle

import httpx
import pytest

from tests.documents import CREATE, TRANSFER
from tests.e2e.conftest import e2e_settings
from tests.streams.support import RedisServer
from tests.support.app_process import serving_process
from tests.support.oidc_issuer import AUDIENCE, OidcIssuer, running_issuer

TRANSFERS_PER_MINUTE = 6
OPERATIONS_PER_MINUTE = 40


@pytest.fixture(scope="module")
def replicas(dynamodb_endpoint: str) -> Iterator[tuple[list[str], OidcIssuer]]:
    redis = RedisServer()
    redis.start()
    try:
        with running_issuer() as issuer, ExitStack() as stack:
            settings = e2e_settings(
                dynamodb_endpoint,
                auth_disabled=False,
                auth_issuer=issuer.url,
                auth_audience=AUDIENCE,
                redis_url=redis.url,
                rate_limits=True,
                rate_limit_transfers=f"{TRANSFERS_PER_MINUTE}/minute",
                rate_limit_operations=f"{OPERATIONS_PER_MINUTE}/minute",
            )
            urls = [stack.enter_context(serving_process(settings)).url for _ in range(2)]
            yield urls, issuer
    finally:
        redis.stop()


def post(url: str, token: str, query: str, **variables: object) -> httpx.Response:
    return httpx.post(
        url + "/graphql",
        json={"query": query, "variables": variables},
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )


def test_operations_are_one_budget_across_replicas(
    replicas: tuple[list[str], OidcIssuer],
) -> None:
    urls, issuer = replicas
    token = issuer.token(f"spender-{uuid.uuid4().hex[:8]}")
    alternating = cycle(urls)
    statuses = [
        post(next(alternating), token, "{ __typename }").status_code
        for _ in range(OPERATIONS_PER_MINUTE)
    ]
    assert statuses == [200] * OPERATIONS_PER_MINUTE  # each replica served half of them
    for url in urls:  # spent on both, though each saw only half
        refused = post(url, token, "{ __typename }")
        assert refused.status_code == 429, refused.text
        assert int(refused.headers["retry-after"]) >= 1
    other = issuer.token(f"other-{uuid.uuid4().hex[:8]}")
    assert all(post(url, other, "{ __typename }").status_code == 200 for url in urls)


def test_transfers_are_one_budget_across_replicas(
    replicas: tuple[list[str], OidcIssuer],
) -> None:
    urls, issuer = replicas
    run = uuid.uuid4().hex[:8]
    operator = issuer.token(f"ops-{run}", operator=True)
    owner = f"payer-sub-{run}"
    for account, holder in ((f"payer-{run}", owner), (f"payee-{run}", f"payee-sub-{run}")):
        created = post(
            urls[0],
            operator,
            CREATE,
            input={"id": account, "initialBalance": "100", "ownerId": holder},
        ).json()
        assert created["data"]["createAccount"]["userErrors"] == [], created
    token = issuer.token(owner)
    alternating = cycle(urls)
    codes = []
    for _ in range(TRANSFERS_PER_MINUTE + 4):
        body = post(
            next(alternating),
            token,
            TRANSFER,
            input={
                "fromAccountId": f"payer-{run}",
                "toAccountId": f"payee-{run}",
                "amount": "1",
                "idempotencyKey": uuid.uuid4().hex,
            },
        ).json()
        codes.append(body["errors"][0]["extensions"]["code"] if "errors" in body else "DONE")
    assert codes == ["DONE"] * TRANSFERS_PER_MINUTE + ["RATE_LIMITED"] * 4
    query = "query($id: ID!) { account(id: $id) { balance } }"
    balance = post(urls[1], operator, query, id=f"payer-{run}").json()["data"]["account"]
    assert Decimal(balance["balance"]) == 100 - TRANSFERS_PER_MINUTE
