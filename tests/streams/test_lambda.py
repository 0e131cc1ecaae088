"""The Lambda handler on a recorded DynamoDB-stream event, with partial batch failures."""

from __future__ import annotations

import asyncio
import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from entrypoints import lambda_handler
from services.ledger import Ledger
from services.settings import Settings
from tests.streams.conftest import verify_sender
from tests.streams.support import SmsGateway, sent_mail
from tests.streams.test_notifications import ALICE_PHONE, cli_environment

RECORDED = Path(__file__).parent / "data" / "lambda_event.json"


def recorded_event() -> dict[str, Any]:
    """Records of: alice opened with 100.00 (e-mail and phone), bob opened (e-mail), 25.00
    from alice to bob; as Lambda delivers them (epoch times, eventSourceARN)."""
    event: dict[str, Any] = json.loads(RECORDED.read_text())
    return event


@pytest.fixture
def lambda_environment(
    stream_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> Iterator[None]:
    for name, value in cli_environment(stream_settings).items():
        monkeypatch.setenv(name, value)
    try:
        yield
    finally:
        lambda_handler.close()


async def invoke(event: dict[str, Any]) -> dict[str, Any]:
    # Lambda calls the handler synchronously; a thread stands in for the Lambda runtime.
    return await asyncio.to_thread(lambda_handler.handle_dynamodb_stream, event, None)


@pytest.mark.usefixtures("lambda_environment")
async def test_the_handler_notifies_and_reports_the_failing_record(
    stream_settings: Settings, sms_gateway: SmsGateway
) -> None:
    await verify_sender(stream_settings)
    async with Ledger.connect(stream_settings) as ledger:
        await ledger.create_account_with_balance(
            "alice", "100.00", email="alice@example.com", phone=ALICE_PHONE
        )
        await ledger.create_account_with_balance("bob", "0", email="bob@example.com")
    event = recorded_event()
    broken = copy.deepcopy(event["Records"][-2])  # bob's credit entry
    assert broken["dynamodb"]["NewImage"]["type"]["S"] == "ENTRY"
    del broken["dynamodb"]["NewImage"]["balance_after"]
    broken["dynamodb"]["SequenceNumber"] = "1100000000099999999999"
    event["Records"].append(broken)

    response = await invoke(event)

    assert response == {"batchItemFailures": [{"itemIdentifier": "1100000000099999999999"}]}
    endpoint = stream_settings.endpoint_url
    assert endpoint is not None
    subjects = sorted(m["subject"] for m in sent_mail(endpoint))
    assert subjects == [
        "Credit of 25.00 USD from account alice on account bob",
        "Debit of 25.00 USD to account bob on account alice",
        "Opening balance of 100.00 USD on account alice",
    ]
    assert len(sms_gateway.texts_to(ALICE_PHONE)) == 2

    # Lambda retries the batch: the good records send nothing twice.
    assert await invoke(event) == response
    assert len(sent_mail(endpoint)) == 3
    assert len(sms_gateway.received) == 2


@pytest.mark.usefixtures("lambda_environment")
async def test_an_empty_or_clean_batch_reports_no_failure(stream_settings: Settings) -> None:
    await verify_sender(stream_settings)
    assert await invoke({"Records": []}) == {"batchItemFailures": []}
    only_bookkeeping = [
        r for r in recorded_event()["Records"] if r["dynamodb"]["Keys"]["SK"]["S"] == "TRANSFER"
    ]
    assert await invoke({"Records": only_bookkeeping}) == {"batchItemFailures": []}
