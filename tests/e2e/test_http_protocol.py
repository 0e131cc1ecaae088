"""GraphQL over HTTP: media types and status codes, GET, GraphiQL from our own assets, the
probes, websocket, masked internal errors and the query limits, all through a real socket."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from urllib.parse import urljoin

import httpx
import pytest
from websockets.sync.client import connect

from entrypoints.app import create_app
from tests.e2e.conftest import GRAPHQL_RESPONSE_JSON, Api, e2e_settings, free_port, serving

JSON = "application/json"


def media_type(response: httpx.Response) -> str:
    return response.headers["content-type"].split(";")[0].strip()


@pytest.mark.parametrize(
    "accept", [GRAPHQL_RESPONSE_JSON, f"{GRAPHQL_RESPONSE_JSON}, {JSON};q=0.9"]
)
def test_graphql_response_json_status_codes(api: Api, accept: str) -> None:
    ok = api.post("{ __typename }", accept=accept)
    assert (ok.status_code, media_type(ok)) == (200, GRAPHQL_RESPONSE_JSON)
    assert ok.json() == {
        "data": {"__typename": "Query"},
        "extensions": {"cost": {"requestedQueryCost": 1, "maxCost": 5000}},
    }
    assert "charset=utf-8" in ok.headers["content-type"]

    for broken in ("{ nope }", "{ account(id: 1", "query($x: Int!) { __typename }"):
        failed = api.post(broken, accept=accept)
        assert (failed.status_code, media_type(failed)) == (400, GRAPHQL_RESPONSE_JSON), broken
        assert "data" not in failed.json(), broken
        assert failed.json()["errors"], broken

    executed = api.post(
        '{ account(id: "x") { transactions(first: 0) { edges { cursor } } } }', accept=accept
    )
    assert executed.status_code == 200  # execution started: errors travel with data
    assert executed.json()["data"] == {"account": None}


def test_application_json_is_the_default(api: Api) -> None:
    for accept in (None, JSON, "*/*"):
        ok = api.post("{ __typename }", accept=accept)
        assert (ok.status_code, media_type(ok)) == (200, JSON)
        invalid = api.post("{ nope }", accept=accept)
        assert (invalid.status_code, media_type(invalid)) == (200, JSON)
        assert invalid.json()["errors"][0]["message"].startswith("Cannot query field")


def test_malformed_requests_are_400_with_json_errors(api: Api) -> None:
    accept = {"Accept": GRAPHQL_RESPONSE_JSON}
    cases = [
        httpx.post(api.graphql, content=b"{not json", headers={**accept, "content-type": JSON}),
        httpx.post(api.graphql, json={"variables": {}}, headers=accept),
        httpx.post(api.graphql, json={"query": 5}, headers=accept),
        httpx.post(api.graphql, content=b"{ __typename }", headers=accept),  # no content type
    ]
    for response in cases:
        assert response.status_code == 400
        assert media_type(response) == GRAPHQL_RESPONSE_JSON
        assert response.json()["errors"][0]["message"]


def test_get_runs_queries_but_never_mutations(api: Api) -> None:
    query = httpx.get(api.graphql, params={"query": "{ __typename }"})
    assert query.status_code == 200
    assert query.json()["data"] == {"__typename": "Query"}
    mutation = 'mutation { createAccount(input: {id: "via-get"}) { userErrors { code } } }'
    refused = httpx.get(api.graphql, params={"query": mutation}, headers={"Accept": JSON})
    assert refused.status_code == 405
    assert refused.headers["allow"] == "POST"
    assert "mutations are not allowed" in refused.json()["errors"][0]["message"]
    assert api.data('{ account(id: "via-get") { id } }') == {"account": None}
    put = httpx.put(api.graphql, json={"query": "{ __typename }"})
    assert put.status_code == 405
    assert put.headers["allow"] == "GET, POST"


def test_graphiql_is_served_from_our_own_assets(api: Api) -> None:
    page = httpx.get(api.graphql, headers={"Accept": "text/html"})
    assert page.status_code == 200
    assert media_type(page) == "text/html"
    csp = page.headers["content-security-policy"]
    assert "script-src 'self'" in csp
    assert "default-src 'none'" in csp
    assert "unsafe-inline" not in csp
    assert "unsafe-eval" not in csp
    assert "<script>" not in page.text  # no inline script: the CSP would block it
    assets = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert any(a.endswith("graphiql.min.js") for a in assets)
    assert any(a.endswith("react.production.min.js") for a in assets)
    for asset in assets:
        assert asset.startswith("/static/"), asset  # same origin: no CDN
        fetched = httpx.get(urljoin(api.url, asset))
        assert fetched.status_code == 200, asset
        assert fetched.content.strip()
    for absent in ("unpkg", "jsdelivr", "cdn", "https://"):
        assert absent not in page.text


def test_probes(api: Api) -> None:
    assert httpx.get(api.url + "/healthz").json() == {"status": "ok"}
    ready = httpx.get(api.url + "/readyz")
    assert ready.status_code == 200
    assert ready.json() == {
        "status": "ok",
        "dynamodb": "endpoint",
        "auth": "disabled",
        "checks": {"dynamodb": "ok"},
    }


def test_websocket_on_the_same_path(api: Api) -> None:
    url = api.graphql.replace("http://", "ws://")
    with connect(url, subprotocols=["graphql-transport-ws"], open_timeout=10) as ws:
        ws.send(json.dumps({"type": "connection_init"}))
        assert json.loads(ws.recv(timeout=10))["type"] == "connection_ack"
        ws.send(
            json.dumps({"id": "1", "type": "subscribe", "payload": {"query": "{ __typename }"}})
        )
        assert json.loads(ws.recv(timeout=10)) == {
            "id": "1",
            "type": "next",
            "payload": {
                "data": {"__typename": "Query"},
                "extensions": {"cost": {"requestedQueryCost": 1, "maxCost": 5000}},
            },
        }
        assert json.loads(ws.recv(timeout=10)) == {"id": "1", "type": "complete"}


def test_websocket_operations_do_not_share_cached_balances(
    api: Api, uid: Callable[[str], str]
) -> None:
    payer, payee = uid("payer"), uid("payee")
    for account_id, balance in ((payer, "10.00"), (payee, "0")):
        api.data(
            "mutation($id: ID!, $b: Decimal) { createAccount(input: {id: $id, initialBalance: $b})"
            " { userErrors { code } } }",
            id=account_id,
            b=balance,
        )
    query = {
        "query": "query($id: ID!) { account(id: $id) { balance } }",
        "variables": {"id": payer},
    }
    url = api.graphql.replace("http://", "ws://")
    with connect(url, subprotocols=["graphql-transport-ws"], open_timeout=10) as ws:
        ws.send(json.dumps({"type": "connection_init"}))
        assert json.loads(ws.recv(timeout=10))["type"] == "connection_ack"
        balances = []
        for n in range(2):
            ws.send(json.dumps({"id": str(n), "type": "subscribe", "payload": query}))
            balances.append(
                json.loads(ws.recv(timeout=10))["payload"]["data"]["account"]["balance"]
            )
            assert json.loads(ws.recv(timeout=10))["type"] == "complete"
            api.data(
                "mutation($a: ID!, $b: ID!) { transfer(input: {fromAccountId: $a, toAccountId: $b,"
                ' amount: "4", idempotencyKey: "ws-4"}) { userErrors { code } } }',
                a=payer,
                b=payee,
            )
    assert balances == ["10.00", "6.00"]


def test_depth_limit_over_http(api: Api) -> None:
    inner = "id"
    for _ in range(3):
        inner = (
            "transactions(first: 1) { edges { node { transfer { fromAccount { "
            + inner
            + " } } } } }"
        )  # one entry per page: the depth, not the cost, refuses it
    response = api.post(f'{{ account(id: "a") {{ {inner} }} }}', accept=GRAPHQL_RESPONSE_JSON)
    assert response.status_code == 400
    assert "exceeds maximum operation depth" in response.json()["errors"][0]["message"]


@pytest.fixture(scope="module")
def unreachable(dynamodb_endpoint: str) -> Iterator[str]:
    """The app pointed at a port nobody listens on: every DynamoDB call fails."""
    settings = e2e_settings(
        f"http://127.0.0.1:{free_port()}",
        create_table=False,
        aws_max_attempts=1,
        connect_timeout_seconds=0.5,
        transfer_max_attempts=1,
    )
    with serving(create_app(settings)) as url:
        yield url


def test_readyz_is_503_without_dynamodb(unreachable: str) -> None:
    assert httpx.get(unreachable + "/healthz").status_code == 200
    ready = httpx.get(unreachable + "/readyz", timeout=10)
    assert ready.status_code == 503
    assert ready.json()["status"] == "unavailable"
    assert ready.json()["auth"] == "disabled"
    assert ready.json()["checks"]["dynamodb"] in ("unavailable", "timeout")
    assert ready.json()["dynamodb"] == "endpoint"


def test_internal_errors_are_masked_with_an_id(unreachable: str) -> None:
    for query, data in (
        ('{ account(id: "alice") { id balance } }', {"account": None}),
        (
            'mutation { transfer(input: {fromAccountId: "a", toAccountId: "b", amount: "1", '
            'idempotencyKey: "k"}) { userErrors { code } } }',
            None,  # the payload is non-null, so the failure nulls the whole result
        ),
    ):
        response = httpx.post(
            unreachable + "/graphql",
            json={"query": query},
            headers={"Accept": GRAPHQL_RESPONSE_JSON},
            timeout=20,
        )
        assert response.status_code == 200  # execution started; the field failed
        body = response.json()
        assert body["data"] == data
        (error,) = body["errors"]
        assert error["extensions"]["code"] == "INTERNAL_SERVER_ERROR"
        assert error["extensions"]["errorId"] in error["message"]
        for leak in ("Traceback", "botocore", "Errno", "127.0.0.1", "Could not connect", ".py"):
            assert leak not in response.text, leak
