"""GraphQL documents of the exchange tests (quote, exchange transfer, history, totals)."""

from __future__ import annotations

import uuid

QUOTE = """
mutation($input: QuoteInput!) {
  quote(input: $input) {
    quote { id fromCurrency toCurrency fixedSide rate sourceAmount targetAmount expiresAt }
    userErrors { code message field }
  }
}
"""
EXCHANGE = """
mutation($input: TransferInput!) {
  transfer(input: $input) {
    transfer { id fromAccountId toAccountId amount currency batchId
               exchange { rate counterAmount counterCurrency quoteId } }
    userErrors { code message field }
  }
}
"""
HISTORY = """
query($id: ID!) {
  account(id: $id) { id balance currency
    transactions(first: 10) { edges { node { amount currency direction counterpartyId hash
      exchange { rate counterAmount counterCurrency quoteId } } } } }
}
"""
TOTALS = "query { ledgerTotals { currency total } }"
CREATE_IN = """
mutation($input: CreateAccountInput!) {
  createAccount(input: $input) { account { id currency } userErrors { code field } }
}
"""


def quote_input(src: str, dst: str, amount: str, side: str = "SOURCE") -> dict[str, object]:
    return {"input": {"fromCurrency": src, "toCurrency": dst, "amount": amount, "fixedSide": side}}


def exchange_input(
    src: str, dst: str, amount: str, quote_id: str, key: str | None = None
) -> dict[str, object]:
    """A transfer with `quote_id`; a fresh idempotency key unless `key` is given."""
    return {
        "input": {
            "fromAccountId": src,
            "toAccountId": dst,
            "amount": amount,
            "quoteId": quote_id,
            "idempotencyKey": key or f"fx-{uuid.uuid4().hex}",
        }
    }
