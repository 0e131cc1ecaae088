"""Issue 15, acceptance 1: /metrics after a scripted workload (transfers, a refusal, a
subscription, a notification), parsed with prometheus-client's parser, each metric checked."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

import aioboto3
import httpx
from prometheus_client.parser import text_string_to_metric_families

from entrypoints.app import create_app
from services.settings import Settings
from tests.deploy.test_template import METRICS
from tests.e2e.conftest import Api, e2e_settings, serving
from tests.e2e.live import TIMEOUT, TRANSPORT_WS, GraphQLSocket

SENDER = "ledger@example.com"
OPEN = (
    "mutation Open($id: ID!, $b: Decimal, $email: String) { createAccount(input: {id: $id, "
    "initialBalance: $b, email: $email}) { userErrors { code } } }"
)
MOVE = (
    "mutation Move($a: ID!, $b: ID!, $amount: Decimal!) { transfer(input: {fromAccountId: $a,"
    " toAccountId: $b, amount: $amount}) { transfer { id } userErrors { code } } }"
)

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def scrape(url: str) -> tuple[set[str], Samples]:
    response = httpx.get(url + "/metrics", timeout=10)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    families = list(text_string_to_metric_families(response.text))
    samples: Samples = {}
    for family in families:
        for sample in family.samples:
            samples[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return {family.name for family in families}, samples


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


async def wait_for(check: Callable[[], bool]) -> None:
    deadline = time.monotonic() + TIMEOUT
    while not check():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.05)


async def verify_sender(settings: Settings) -> None:
    session = aioboto3.Session(
        aws_access_key_id="test", aws_secret_access_key="test", region_name=settings.region
    )
    async with session.client("sesv2", endpoint_url=settings.endpoint_url) as ses:
        await ses.create_email_identity(EmailIdentity=SENDER)


async def test_metrics_after_a_scripted_workload(dynamodb_endpoint: str, uid: Any) -> None:
    settings = e2e_settings(
        dynamodb_endpoint,
        serve_stream_worker=True,
        stream_poll_interval_seconds=0.05,
        notify_email=True,
        notify_sms=False,
        email_sender=SENDER,
        notification_max_attempts=1,
    )
    await verify_sender(settings)
    alice, bob = uid("alice"), uid("bob")
    with serving(create_app(settings)) as url:
        api = Api(url, settings)
        names, before = await asyncio.to_thread(scrape, url)
        # Every metric of the dashboard's contract is exposed, even before it has a sample.
        assert {n.removesuffix("_total") for n in METRICS} <= names

        def post(query: str, **variables: Any) -> dict[str, Any]:
            response = api.post(query, variables)
            assert response.status_code == 200, response.text
            return dict(response.json())

        assert "errors" not in await asyncio.to_thread(
            post, OPEN, id=alice, b="10", email="alice@example.com"
        )
        assert "errors" not in await asyncio.to_thread(post, OPEN, id=bob, b="0", email=None)
        async with GraphQLSocket.open(url, TRANSPORT_WS) as socket:
            await socket.subscribe_balance("1", alice, after_version=1)
            assert socket.ws.response is not None
            assert socket.ws.response.headers["x-request-id"]  # the handshake's answer has one
            moved = await asyncio.to_thread(post, MOVE, a=alice, b=bob, amount="2")
            assert moved["data"]["transfer"]["userErrors"] == []
            refused = await asyncio.to_thread(post, MOVE, a=alice, b=bob, amount="100")
            assert refused["data"]["transfer"]["userErrors"] == [{"code": "INSUFFICIENT_FUNDS"}]
            invalid = await asyncio.to_thread(api.post, "{ nope")
            assert invalid.status_code == 200
            assert len(invalid.headers["x-request-id"]) == 32  # made here: none was sent
            [change] = await socket.changes("1", 1)
            assert change["version"] == 2
            _, live = await asyncio.to_thread(scrape, url)

        def notified() -> bool:
            _, now = scrape(url)
            sent = "ledger_notifications_total"
            return (
                value(now, sent, channel="email", outcome="sent")
                - value(before, sent, channel="email", outcome="sent")
                >= 2
            )

        await wait_for(notified)
        await asyncio.sleep(0.3)  # the subscription's operation ends after its socket closes
        _, after = await asyncio.to_thread(scrape, url)

    def delta(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    requests = "ledger_graphql_requests_total"
    assert delta(requests, operation_type="mutation", operation_name="Open", outcome="ok") == 2
    # The refusal is a userError: the operation is ok.
    assert delta(requests, operation_type="mutation", operation_name="Move", outcome="ok") == 2
    assert delta(requests, operation_type="unknown", operation_name="other", outcome="invalid") == 1
    assert (
        delta(requests, operation_type="subscription", operation_name="anonymous", outcome="ok")
        == 1
    )
    duration = "ledger_graphql_request_duration_seconds_count"
    assert delta(duration, operation_type="mutation", operation_name="Move") == 2
    assert delta("ledger_transfers_total", outcome="committed") == 1
    assert delta("ledger_transfers_total", outcome="INSUFFICIENT_FUNDS") == 1
    assert delta("ledger_dynamodb_calls_total", operation="TransactWriteItems", outcome="ok") >= 3
    assert delta("ledger_dynamodb_call_duration_seconds_count", operation="TransactWriteItems") >= 3
    assert delta("ledger_dynamodb_throttles_total", operation="TransactWriteItems") == 0
    assert delta("ledger_transfer_retries_total", cause="version_conflict") == 0
    # Opening entries of both accounts and the transfer's two entries, at least.
    assert delta("ledger_stream_records_processed_total", outcome="ok") >= 4
    assert delta("ledger_stream_records_processed_total", outcome="failed") == 0
    assert 0 <= value(after, "ledger_stream_lag_seconds") < 30
    # Alice has an e-mail address: her opening balance and her debit; Bob has none.
    assert delta("ledger_notifications_total", channel="email", outcome="sent") == 2
    assert delta("ledger_notifications_total", channel="email", outcome="failed") == 0
    assert (
        value(live, "ledger_subscriptions_active") - value(before, "ledger_subscriptions_active")
        == 1
    )
    assert (
        value(live, "ledger_websocket_connections") - value(before, "ledger_websocket_connections")
        == 1
    )
    assert delta("ledger_subscriptions_active") == 0
    assert delta("ledger_websocket_connections") == 0
    assert delta("ledger_hub_queue_overflows_total") == 0
