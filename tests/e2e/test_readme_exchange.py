"""The README's exchange example (quote, then transfer) runs as written, at the sample rates."""

from __future__ import annotations

import json
import re
from pathlib import Path

from tests.e2e.conftest import Api
from tests.fx_documents import CREATE_IN

README = Path(__file__).resolve().parents[2] / "README.md"


def test_the_worked_example_quotes_and_books_as_shown(api: Api) -> None:
    section = README.read_text().split("## Currency exchange", 1)[1].split("\n## ", 1)[0]
    quote_doc, transfer_doc = re.findall(r"```graphql\n(.*?)```", section, re.DOTALL)
    [shown] = re.findall(r"```json\n(.*?)```", section, re.DOTALL)
    for account_id, currency, balance in (("alice", "USD", "250.00"), ("alice-eur", "EUR", "0")):
        created = api.data(
            CREATE_IN, input={"id": account_id, "currency": currency, "initialBalance": balance}
        )
        assert created["createAccount"]["userErrors"] == []

    quoted = api.data(quote_doc)["quote"]
    expected = json.loads(shown.replace('"01JDQ6..."', '"?"'))["quote"]
    assert quoted["userErrors"] == []
    for field in ("rate", "sourceAmount", "targetAmount"):
        assert quoted["quote"][field] == expected["quote"][field]

    booked = api.data(transfer_doc.replace("01JDQ6...", quoted["quote"]["id"]))["transfer"]
    assert booked["userErrors"] == []
    assert booked["transfer"]["amount"] == "100.00"
    assert booked["transfer"]["exchange"] == {
        "rate": "0.9223390518",
        "counterAmount": "92.23",
        "counterCurrency": "EUR",
        "quoteId": quoted["quote"]["id"],
    }
    balances = api.data(
        '{ a: account(id: "alice") { balance } b: account(id: "alice-eur") { balance } }'
    )
    assert balances == {"a": {"balance": "150.00"}, "b": {"balance": "92.23"}}
