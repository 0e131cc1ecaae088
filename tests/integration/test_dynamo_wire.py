"""Every request a ledger flow sends is serialized by PlainJSONSerializer exactly as botocore's
own serializer would (same method, path, headers and body bytes), over the real endpoint; and
what is not plain JSON goes to botocore's."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

import pytest
from botocore.model import OperationModel

from services import Ledger
from services.dynamo import wire
from services.settings import Settings
from tests.support.readme import run_money_movement_examples

#: The real one: the fixture puts Comparing in its place.
Plain = wire.PlainJSONSerializer


class Comparing:
    """Put where PlainJSONSerializer goes: serializes each request both ways, checks that they
    agree and sends botocore's."""

    operations: list[str] = []
    #: Requests the plain path handed to botocore's serializer.
    handed_back: list[str] = []

    def __init__(self, botocore: Any) -> None:
        self._botocore = botocore
        self._plain = Plain(Refusing())

    def serialize_to_request(
        self, parameters: dict[str, Any], operation_model: OperationModel
    ) -> dict[str, Any]:
        reference: dict[str, Any] = self._botocore.serialize_to_request(parameters, operation_model)
        plain = self._plain.serialize_to_request(parameters, operation_model)
        if plain == Refusing.ANSWER:
            self.handed_back.append(operation_model.name)
        else:
            assert plain == reference, operation_model.name
            self.operations.append(operation_model.name)
        return reference


@pytest.fixture
def compared(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    Comparing.operations = []
    Comparing.handed_back = []
    monkeypatch.setattr(wire, "PlainJSONSerializer", Comparing)
    return Comparing.operations


async def test_a_ledger_flow_is_serialized_as_botocore_would(
    settings: Settings, compared: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    async with Ledger.connect(settings) as ledger:
        await run_money_movement_examples(ledger)
        await ledger.create_account_with_balance(
            "erin", "50", currency="EUR", email="erin@example.com", phone="+14155550100"
        )
        await ledger.transfer_credits("alice", "shop", "1.25", idempotency_key="k-1", memo="é ✓")
        await ledger.transfer_credits("alice", "shop", "1.25", idempotency_key="k-1", memo="é ✓")
        page = await ledger.history.get_transactions("alice", 2, None)
        await ledger.history.get_transactions("alice", 2, page.next_cursor)
        quote = await ledger.quote("USD", "EUR", "10")
        await ledger.exchange("alice", "erin", "10", quote.id)
        await ledger.ledger_totals()
        await ledger.get_accounts(["alice", "shop", "erin", "nobody"])
    capsys.readouterr()
    assert {"TransactWriteItems", "BatchGetItem", "Query", "GetItem"} <= set(compared)
    assert len(compared) > 30
    assert Comparing.handed_back == []  # the store's requests are all plain JSON


class Refusing:
    """botocore's serializer stand-in: records what was handed back to it."""

    ANSWER = {"fallback": True}

    def __init__(self) -> None:
        self.handed: list[dict[str, Any]] = []

    def serialize_to_request(self, parameters: dict[str, Any], _: Any) -> dict[str, Any]:
        self.handed.append(parameters)
        return dict(self.ANSWER)


@pytest.mark.parametrize(
    "parameters",
    [
        {"Item": {"blob": {"B": b"\x00\x01"}}},
        {"ExclusiveStartKey": None, "TableName": "t"},
        {"Items": [None]},
        {"Limit": Decimal("5")},
        {"When": dt.datetime(2026, 11, 30, tzinfo=dt.UTC)},
        {"Memo": {"S": 'a string with ": null" inside'}},  # a false alarm: still correct
    ],
)
def test_what_is_not_plain_json_goes_to_botocore(
    settings: Settings, parameters: dict[str, Any]
) -> None:
    fallback = Refusing()
    serializer = wire.PlainJSONSerializer(fallback)
    assert serializer.serialize_to_request(parameters, _operation()) == Refusing.ANSWER
    assert fallback.handed == [parameters]


def test_plain_json_is_sent_as_it_is() -> None:
    fallback = Refusing()
    parameters = {"TableName": "ledger", "Key": {"pk": {"S": "ACCOUNT#a"}}, "Limit": 3}
    request = wire.PlainJSONSerializer(fallback).serialize_to_request(parameters, _operation())
    assert fallback.handed == []
    assert json.loads(request["body"]) == parameters
    assert request["headers"] == {
        "X-Amz-Target": "DynamoDB_20120810.GetItem",
        "Content-Type": "application/x-amz-json-1.0",
    }
    assert (request["method"], request["url_path"], request["query_string"]) == ("POST", "/", "")


def _operation() -> OperationModel:
    import botocore.session

    model = botocore.session.get_session().get_service_model("dynamodb")
    return model.operation_model("GetItem")
