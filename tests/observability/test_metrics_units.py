from __future__ import annotations

import logging
from types import SimpleNamespace
from typing import Any

import pytest
from graphql import GraphQLError
from prometheus_client import REGISTRY

from entrypoints.request_id import RequestIdFilter, request_id
from graph.masking import MaskUnexpectedErrors
from services.hub import InProcessHub
from services.hub.subscription import SubscriptionClosed
from services.observability import dynamodb, metrics
from services.observability.hub import ObservedHub
from tests.unit.test_hub_memory import change


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_operation_names_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(metrics, "_operation_names", set())
    assert metrics.operation_name_label(None) == "anonymous"
    assert metrics.operation_name_label("x" * 500) == "x" * metrics.MAX_OPERATION_NAME_LENGTH
    for i in range(metrics.MAX_OPERATION_NAMES):
        metrics.operation_name_label(f"Op{i}")
    assert metrics.operation_name_label("Op1") == "Op1"  # known names keep their label
    assert metrics.operation_name_label("OneTooMany") == "other"


def _call(operation: str, status: int, parsed: dict[str, Any]) -> None:
    model = SimpleNamespace(name=operation)
    context: dict[str, Any] = {}
    dynamodb._before_call(model=model, context=context)
    dynamodb._after_call(
        http_response=SimpleNamespace(status_code=status),
        parsed=parsed,
        model=model,
        context=context,
    )


def test_dynamodb_calls_are_counted_by_outcome() -> None:
    ok = sample("ledger_dynamodb_calls_total", operation="GetItem", outcome="ok")
    failed = sample(
        "ledger_dynamodb_calls_total", operation="GetItem", outcome="ResourceNotFoundException"
    )
    timed = sample("ledger_dynamodb_call_duration_seconds_count", operation="GetItem")
    _call("GetItem", 200, {})
    _call("GetItem", 400, {"Error": {"Code": "ResourceNotFoundException"}})
    assert sample("ledger_dynamodb_calls_total", operation="GetItem", outcome="ok") == ok + 1
    assert (
        sample(
            "ledger_dynamodb_calls_total", operation="GetItem", outcome="ResourceNotFoundException"
        )
        == failed + 1
    )
    assert sample("ledger_dynamodb_call_duration_seconds_count", operation="GetItem") == timed + 2


def test_a_call_without_an_answer_is_counted_by_its_exception() -> None:
    name = "ledger_dynamodb_calls_total"
    before = sample(name, operation="Query", outcome="ConnectTimeoutError")
    context: dict[str, Any] = {}
    dynamodb._before_call(model=SimpleNamespace(name="Query"), context=context)
    dynamodb._after_call_error(
        exception=type("ConnectTimeoutError", (Exception,), {})(), context=context
    )
    assert sample(name, operation="Query", outcome="ConnectTimeoutError") == before + 1


@pytest.mark.parametrize(
    ("parsed", "throttled"),
    [
        ({"Error": {"Code": "ThrottlingException"}}, True),
        ({"Error": {"Code": "ProvisionedThroughputExceededException"}}, True),
        (
            {
                "Error": {"Code": "TransactionCanceledException"},
                "CancellationReasons": [{"Code": "None"}, {"Code": "ThrottlingError"}],
            },
            True,
        ),
        (
            {
                "Error": {"Code": "TransactionCanceledException"},
                "CancellationReasons": [{"Code": "ConditionalCheckFailed"}],
            },
            False,
        ),
        ({}, False),
    ],
)
def test_throttled_attempts_are_counted(parsed: dict[str, Any], throttled: bool) -> None:
    before = sample("ledger_dynamodb_throttles_total", operation="TransactWriteItems")
    dynamodb._needs_retry(
        response=(SimpleNamespace(status_code=400), parsed),
        operation=SimpleNamespace(name="TransactWriteItems"),
    )
    after = sample("ledger_dynamodb_throttles_total", operation="TransactWriteItems")
    assert after - before == (1 if throttled else 0)


async def test_subscriptions_and_overflows_are_counted() -> None:
    hub = ObservedHub(InProcessHub(capacity=1))
    active = sample("ledger_subscriptions_active")
    overflows = sample("ledger_hub_queue_overflows_total")
    slow = await hub.subscribe("alice")
    gone = await hub.subscribe("bob")
    assert sample("ledger_subscriptions_active") == active + 2
    gone.close()
    gone.close()
    assert sample("ledger_subscriptions_active") == active + 1
    await hub.publish(change("alice", 1))
    await hub.publish(change("alice", 2))  # a second change waiting: the queue overflows
    with pytest.raises(SubscriptionClosed):
        async for _ in slow:
            pass
    assert sample("ledger_hub_queue_overflows_total") == overflows + 1
    assert sample("ledger_subscriptions_active") == active
    shut = await hub.subscribe("carol")
    await hub.close()
    with pytest.raises(SubscriptionClosed):
        await shut.__anext__()
    assert sample("ledger_hub_queue_overflows_total") == overflows + 1  # a shutdown is none
    assert sample("ledger_subscriptions_active") == active


def test_the_masked_errors_log_line_has_the_request_id() -> None:
    seen: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = seen.append  # type: ignore[method-assign]
    handler.addFilter(RequestIdFilter())
    logger = logging.getLogger("graph.errors")
    logger.addHandler(handler)
    token = request_id.set("req-42")
    try:
        masked = MaskUnexpectedErrors().anonymise_error(
            GraphQLError("boom", original_error=RuntimeError("boom"))
        )
    finally:
        request_id.reset(token)
        logger.removeHandler(handler)
    [record] = seen
    assert record.request_id == "req-42"  # type: ignore[attr-defined]
    assert masked.extensions is not None
    assert record.error_id == masked.extensions["errorId"]  # type: ignore[attr-defined]
