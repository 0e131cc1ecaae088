"""A hand-written corpus of hostile HTTP bodies, GraphQL documents and websocket messages:
each gets a 4xx, a typed error or a clear close code; none a 5xx, a masked internal error or
an ERROR in the server log; no message echoes more than a few hundred characters of input."""

from __future__ import annotations

import asyncio
import base64
import json
import logging
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed
from websockets.typing import Subprotocol

from entrypoints.app import create_app
from graph.masking import MAX_MESSAGE_LENGTH
from tests.documents import CREATE
from tests.e2e.conftest import Api, e2e_settings, serving
from tests.e2e.live import PROTOCOLS, TIMEOUT, TRANSPORT_WS

ACCOUNT = "hostile-target"
DIGITS = "9" * 5000
HISTORY = (
    'query($after: String) { account(id: "' + ACCOUNT + '") {'
    " transactions(first: 2, after: $after) { edges { cursor } } } }"
)


def cursor(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


#: name -> raw body (bytes) or JSON (anything else)
BODIES: dict[str, Any] = {
    "truncated JSON": b'{"query": ',
    "not JSON": b"query { __typename }",
    "a number": b"42",
    "a string": b'"{ __typename }"',
    "null": b"null",
    "empty": b"",
    "empty batch": b"[]",
    "5,000-digit integer": b'{"query": "{ __typename }", "variables": {"n": '
    + DIGITS.encode()
    + b"}}",
    "deep nesting": b'{"query": "{ __typename }", "variables": {"a": '
    + b"[" * 100_000
    + b"]" * 100_000
    + b"}}",
    "invalid UTF-8": b'{"query": "\xff\xfe"}',
    "lone surrogate": b'{"query": "{ __typename }", "variables": {"s": "\\ud800"}}',
    "query is a number": {"query": 5},
    "variables is a list": {"query": "{ __typename }", "variables": [1]},
    "operationName is a number": {"query": "{ __typename }", "operationName": 5},
    "extensions is a string": {"query": "{ __typename }", "extensions": "x"},
    "5,000-digit GraphQL Int": {
        "query": f'{{ account(id: "{ACCOUNT}") {{ transactions(first: {DIGITS}) {{ edges {{ cursor }} }} }} }}'  # noqa: E501
    },
    "5,000-digit GraphQL Float": {"query": f"{{ __typename(x: {DIGITS}.5) }}"},
    "30-digit afterVersion": {
        "query": f'subscription {{ balanceChanged(accountId: "{ACCOUNT}", afterVersion: {"9" * 30}) {{ balance }} }}'  # noqa: E501
    },
    "huge first variable": {
        "query": f'query($n: Int!) {{ account(id: "{ACCOUNT}") {{ transactions(first: $n) {{ edges {{ cursor }} }} }} }}',  # noqa: E501
        "variables": {"n": 10**30},
    },
    "100,000 ids": {
        "query": "query($ids: [ID!]!) { accounts(ids: $ids) { id } }",
        "variables": {"ids": ["x"] * 100_000},
    },
    "100 kB account id": {"query": f'{{ account(id: "{"a" * 100_000}") {{ id }} }}'},
    "100 kB memo": {
        "query": 'mutation($m: String) { transfer(input: {fromAccountId: "a", toAccountId: "b",'
        ' amount: "1", memo: $m}) { userErrors { code message } } }',
        "variables": {"m": "m" * 100_000},
    },
    "5,000-digit amount": {
        "query": 'mutation { transfer(input: {fromAccountId: "a", toAccountId: "b", amount: "1'
        + "0" * 5000
        + '"}) { userErrors { code message } } }'
    },
    "amount with exponent": {
        "query": 'mutation { transfer(input: {fromAccountId: "a", toAccountId: "b", '
        'amount: "1E+999999999"}) { userErrors { code message } } }'
    },
    "NaN amount": {
        "query": 'mutation { transfer(input: {fromAccountId: "a", toAccountId: "b", '
        'amount: "NaN"}) { userErrors { code message } } }'
    },
    "cursor with 5,000 digits": {
        "query": HISTORY,
        "variables": {"after": cursor(f"e1:{DIGITS}:{ACCOUNT}")},
    },
    "cursor with 39 digits": {
        "query": HISTORY,
        "variables": {"after": cursor(f"e1:{'9' * 39}:{ACCOUNT}")},
    },
    "cursor with Arabic-Indic digits": {
        "query": HISTORY,
        "variables": {"after": cursor(f"e1:١٢:{ACCOUNT}")},
    },
    "cursor of garbage": {"query": HISTORY, "variables": {"after": "%%%" * 1000}},
    "unknown operation name": {"query": "{ __typename }", "operationName": "x" * 100_000},
    "long field name": {"query": "{ " + "f" * 100_000 + " }"},
    "syntax error": {"query": "{ account(id: "},
    "unterminated string": {"query": '{ account(id: "' + "x" * 1000},
    "mutation over GET": None,  # sent as GET below
}


@pytest.fixture(scope="module")
def api(dynamodb_endpoint: str) -> Iterator[Api]:
    settings = e2e_settings(dynamodb_endpoint)
    with serving(create_app(settings)) as url:
        created = httpx.post(
            url + "/graphql",
            json={"query": CREATE, "variables": {"input": {"id": ACCOUNT, "initialBalance": "5"}}},
        ).json()
        assert created["data"]["createAccount"]["userErrors"] == [], created
        yield Api(url, settings)


def no_server_errors(caplog: pytest.LogCaptureFixture) -> None:
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors == [], [r.getMessage() for r in errors]


def check_body(text: str) -> None:
    assert "INTERNAL_SERVER_ERROR" not in text
    assert "Traceback" not in text
    body = json.loads(text)
    errors = body if isinstance(body, list) else body.get("errors") or []
    for error in errors:
        assert len(error["message"]) <= MAX_MESSAGE_LENGTH, error["message"][:100]


@pytest.mark.parametrize("name", list(BODIES))
def test_hostile_bodies_get_client_errors(
    api: Api, name: str, caplog: pytest.LogCaptureFixture
) -> None:
    body = BODIES[name]
    if body is None:
        response = httpx.get(api.graphql, params={"query": "mutation { __typename }"})
    elif isinstance(body, bytes):
        response = httpx.post(
            api.graphql, content=body, headers={"Content-Type": "application/json"}
        )
    else:
        response = httpx.post(api.graphql, json=body)
    assert response.status_code < 500, response.text[:300]
    check_body(response.text)
    no_server_errors(caplog)


def test_cursors_that_could_reach_dynamodb_are_refused(api: Api) -> None:
    for text in (f"e1:{'9' * 39}:{ACCOUNT}", f"e1:١٢:{ACCOUNT}", f"e1:{DIGITS}:{ACCOUNT}"):
        body = httpx.post(
            api.graphql, json={"query": HISTORY, "variables": {"after": cursor(text)}}
        ).json()
        assert body["errors"][0]["extensions"]["code"] == "INVALID_INPUT", body


#: Websocket messages after an acknowledged connection_init.
MESSAGES: dict[str, Any] = {
    "not JSON": "{",
    "a number": "42",
    "a list": "[1]",
    "no type": {"id": "1"},
    "type is a number": {"type": 5},
    "no payload": {"id": "1", "type": "subscribe"},
    "payload is a string": {"id": "1", "type": "subscribe", "payload": "x"},
    "query is a number": {"id": "1", "type": "subscribe", "payload": {"query": 5}},
    "variables is a list": {
        "id": "1",
        "type": "subscribe",
        "payload": {"query": "subscription { __typename }", "variables": [1]},
    },
    "id is a number": {"id": 5, "type": "subscribe", "payload": {"query": "{ __typename }"}},
    "id of 100 kB": {"id": "i" * 100_000, "type": "subscribe", "payload": {"query": "x"}},
    "syntax error": {"id": "1", "type": "subscribe", "payload": {"query": "subscription {"}},
    "a query": {"id": "1", "type": "subscribe", "payload": {"query": "{ __typename }"}},
    "5,000-digit Int": {
        "id": "1",
        "type": "subscribe",
        "payload": {
            "query": f'subscription {{ balanceChanged(accountId: "{ACCOUNT}", afterVersion: {DIGITS}) {{ balance }} }}'  # noqa: E501
        },
    },
    "5,000-digit JSON integer": '{"id": "1", "type": "subscribe", "payload": {"query": "x",'
    ' "variables": {"a": ' + DIGITS + "}}}",
    "connection_init payload is a number": {"type": "connection_init", "payload": 5},
}


@pytest.mark.parametrize("protocol", PROTOCOLS)
@pytest.mark.parametrize("name", list(MESSAGES))
def test_hostile_websocket_messages_get_an_answer_or_a_close(
    api: Api, protocol: str, name: str, caplog: pytest.LogCaptureFixture
) -> None:
    message = MESSAGES[name]
    if (
        protocol != TRANSPORT_WS
        and isinstance(message, dict)
        and message.get("type") == "subscribe"
    ):
        message = {**message, "type": "start"}

    async def scenario() -> list[str]:
        url = api.graphql.replace("http://", "ws://", 1)
        async with connect(url, subprotocols=[Subprotocol(protocol)], proxy=None) as ws:
            await ws.send(json.dumps({"type": "connection_init", "payload": {}}))
            await asyncio.wait_for(ws.recv(), TIMEOUT)
            await ws.send(message if isinstance(message, str) else json.dumps(message))
            answers: list[str] = []
            try:
                while True:
                    answer = await asyncio.wait_for(ws.recv(), 1.0)
                    if '"ka"' not in str(answer):
                        answers.append(str(answer))
            except ConnectionClosed as closed:
                code = closed.rcvd.code if closed.rcvd else None
                answers.append(f"closed {code}")
            except TimeoutError:
                pass
            return answers

    answers = asyncio.run(scenario())
    for answer in answers:
        assert answer not in ("closed 1011", "closed None", "closed 1006"), answers
        if not answer.startswith("closed"):
            check_body(json.dumps(json.loads(answer).get("payload") or {}))
    no_server_errors(caplog)
