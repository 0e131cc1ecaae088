"""Holds over a real uvicorn socket: authorize, capture, void and expiry each arrive on
`balanceChanged` as versioned changes with their kind and available balance, and a subscriber
resuming with `afterVersion` gets the hold changes it missed from the table."""

# The fixtures are test_subscriptions.py's, imported by name.
# ruff: noqa: F811

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from tests.e2e.live import PROTOCOLS, GraphQLSocket
from tests.e2e.test_subscriptions import LiveApi, data, http, live, open_account  # noqa: F401
from tests.movement_documents import AUTHORIZE, CAPTURE, VOID

HOLD_CHANGES = """
subscription($id: ID!, $after: Int) {
  balanceChanged(accountId: $id, afterVersion: $after) {
    version balance availableBalance delta kind metadata entry { direction amount transferId }
  }
}
"""


async def hold(http: httpx.AsyncClient, source: str, target: str, amount: str, **extra: Any) -> str:
    body = {"fromAccountId": source, "toAccountId": target, "amount": amount}
    payload = await data(
        http, AUTHORIZE, input={**body, "idempotencyKey": f"{source}-{amount}", **extra}
    )
    assert payload["authorizeTransfer"]["userErrors"] == [], payload
    return str(payload["authorizeTransfer"]["pendingTransfer"]["id"])


def seen(changes: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    return [(c["version"], c["kind"], c["balance"], c["availableBalance"]) for c in changes]


@pytest.mark.parametrize("protocol", PROTOCOLS)
async def test_hold_changes_are_live_and_resumable(
    live: LiveApi, http: httpx.AsyncClient, uid: Callable[[str], str], protocol: str
) -> None:
    a, b = uid("a"), uid("b")
    await open_account(http, a, "100")
    await open_account(http, b, "0")
    async with GraphQLSocket.open(live.url, protocol) as socket:
        await socket.start("all", HOLD_CHANGES, id=a, after=0)
        first = await hold(http, a, b, "30", metadata={"order": "7"})
        captured = await data(
            http, CAPTURE, input={"pendingTransferId": first, "amount": "10", "idempotencyKey": a}
        )
        assert captured["captureTransfer"]["userErrors"] == []
        second = await hold(http, a, b, "5")
        voided = await data(http, VOID, input={"pendingTransferId": second})
        assert voided["voidTransfer"]["userErrors"] == []
        await hold(http, a, b, "7", expiresInSeconds=1)  # the app's sweeper expires it
        changes = await socket.changes("all", 8, seconds=15)
        await socket.start("resume", HOLD_CHANGES, id=a, after=4)
        resumed = await socket.changes("resume", 4, seconds=15)
    expected = [
        (1, "OPENING", "100.00", "100.00"),
        (2, "HOLD_AUTHORIZED", "100.00", "70.00"),
        (3, "HOLD_CAPTURED", "100.00", "100.00"),
        (4, "HOLD_CAPTURED", "90.00", "90.00"),
        (5, "HOLD_AUTHORIZED", "90.00", "85.00"),
        (6, "HOLD_VOIDED", "90.00", "90.00"),
        (7, "HOLD_AUTHORIZED", "90.00", "83.00"),
        (8, "HOLD_EXPIRED", "90.00", "90.00"),
    ]
    assert seen(changes) == expected
    assert seen(resumed) == expected[4:]
    assert [c["entry"]["direction"] for c in changes[1:4]] == ["HOLD", "RELEASE", "DEBIT"]
    assert changes[1]["entry"]["transferId"] == first
    assert changes[1]["delta"] == "0.00"
    # The hold's labels travel with each of its changes, the capture's debit included.
    assert [c["metadata"] for c in changes[:5]] == [
        {},
        {"order": "7"},
        {"order": "7"},
        {"order": "7"},
        {},
    ]
