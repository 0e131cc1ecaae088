"""ClientRequestToken: one token per write content, whatever the objects that carry it."""

from __future__ import annotations

import copy
from typing import Any

from services.dynamo.store import request_token


def payload(balance: str = "90.00", memo: str = "rent") -> list[dict[str, Any]]:
    return [
        {
            "Update": {
                "TableName": "ledger",
                "Key": {"pk": {"S": "ACCOUNT#alice"}, "sk": {"S": "ACCOUNT"}},
                "ExpressionAttributeValues": {":balance": {"N": balance}, ":v": {"N": "7"}},
            }
        },
        {"Put": {"TableName": "ledger", "Item": {"memo": {"S": memo}, "flag": {"BOOL": True}}}},
    ]


def test_the_same_content_gives_the_same_token_however_it_was_built() -> None:
    built = payload()
    # Equal strings that are not the same (interned) objects, and no shared sub-objects.
    rebuilt = payload(balance="".join(["90", ".00"]), memo="".join(["re", "nt"]))
    assert request_token(built) == request_token(rebuilt) == request_token(copy.deepcopy(built))
    shared = payload()
    shared[1]["Put"]["TableName"] = shared[0]["Update"]["TableName"]
    assert request_token(shared) == request_token(built)
    assert len(request_token(built)) == 36  # DynamoDB's maximum


def test_any_difference_gives_another_token() -> None:
    tokens = {
        request_token(payload()),
        request_token(payload(balance="90.01")),
        request_token(payload(memo="rent ")),
        request_token(payload()[:1]),
        request_token(list(reversed(payload()))),
        request_token([{**payload()[0]}, {"Put": {"TableName": "ledger", "Item": {}}}]),
    }
    assert len(tokens) == 6
