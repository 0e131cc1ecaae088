"""Fault-injection harness, scenario 1: transfers over HTTP while DynamoDB calls fail.

Between the service and the DynamoDB endpoint sits the fault proxy: a share of calls is reset
before it is forwarded, answered with throttling, delayed, or forwarded and its answer dropped
(the commit happened, the service cannot know). Clients send transfers concurrently and retry
every outcome they cannot trust (a transport error, an internal error, OUTCOME_UNKNOWN) with
the same idempotency key, as the API tells them to. Then, reading the table directly:

- money is conserved to the cent;
- every acknowledged transfer is in the table exactly once, with the acknowledged id;
- every idempotency key was applied at most once;
- every balance equals the sum of its account's entries, whose versions run 1, 2, 3, ...

The CI run sends 2,000 transfers with 10% of DynamoDB calls faulted; `make soak` sends more.
"""

from __future__ import annotations

import asyncio
import os
import random
import time
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import httpx
import pytest

from entrypoints.app import create_app
from tests.e2e.conftest import e2e_settings, serving
from tests.helpers import items_of_type, table_items
from tests.support.fault_proxy import Fault, FaultPlan, FaultProxy

TRANSFER = """
mutation($input: TransferInput!) {
  transfer(input: $input) { transfer { id } userErrors { code } }
}
"""
CREATE = (
    "mutation($id: ID!, $b: Decimal) { createAccount(input: {id: $id, initialBalance: $b}) "
    "{ userErrors { code } } }"
)
ACCOUNTS = 20
OPENING = Decimal("1000.00")
CONCURRENCY = 48
#: A client gives up on a key after this many tries (it would page a human): none may.
CLIENT_ATTEMPTS = 25


def ten_percent(seed: int) -> FaultPlan:
    return FaultPlan(
        reset_before=0.03,
        drop_response=0.03,
        throttle=0.03,
        delay=0.01,
        delay_seconds=0.2,
        seed=seed,
        enabled=False,
    )


@dataclass
class Outcomes:
    acknowledged: dict[str, str] = field(default_factory=dict)  # key -> transfer id
    refused: dict[str, str] = field(default_factory=dict)  # key -> code
    retries: Counter[str] = field(default_factory=Counter)  # why a client retried
    given_up: list[str] = field(default_factory=list)


async def send_until_known(
    client: httpx.AsyncClient, url: str, request: dict[str, Any], outcomes: Outcomes
) -> None:
    key = request["idempotencyKey"]
    for attempt in range(CLIENT_ATTEMPTS):
        try:
            response = await client.post(
                url, json={"query": TRANSFER, "variables": {"input": request}}
            )
        except httpx.TransportError as exc:
            outcomes.retries[type(exc).__name__] += 1
        else:
            body = response.json() if response.status_code == 200 else {}
            payload = (body.get("data") or {}).get("transfer")
            if payload is None:
                outcomes.retries["internal error"] += 1
            elif payload["transfer"] is not None:
                outcomes.acknowledged[key] = payload["transfer"]["id"]
                return
            else:
                codes = [e["code"] for e in payload["userErrors"]]
                if codes != ["OUTCOME_UNKNOWN"]:
                    outcomes.refused[key] = codes[0]
                    return
                outcomes.retries["OUTCOME_UNKNOWN"] += 1
        await asyncio.sleep(min(0.05 * 2**attempt, 1.0) * random.random())
    outcomes.given_up.append(key)


async def run_scenario(endpoint: str, transfers: int, seed: int) -> None:
    plan = ten_percent(seed)
    proxy = FaultProxy(endpoint, plan)
    with proxy as proxied:
        settings = e2e_settings(
            proxied,
            # No retry inside the service: every faulted commit reaches its client as
            # OUTCOME_UNKNOWN (or an internal error), and the client's retry with the same key
            # is what must keep it once-only.
            aws_max_attempts=1,
            transfer_max_attempts=1,
            read_timeout_seconds=2.0,
            connect_timeout_seconds=2.0,
        )
        direct = settings.model_copy(update={"endpoint_url": endpoint})
        with serving(create_app(settings)) as base:
            url = base + "/graphql"
            prefix = uuid.uuid4().hex[:6]
            accounts = [f"f{n}-{prefix}" for n in range(ACCOUNTS)]
            async with httpx.AsyncClient(timeout=60) as setup:
                for account_id in accounts:
                    body = (
                        await setup.post(
                            url,
                            json={
                                "query": CREATE,
                                "variables": {"id": account_id, "b": str(OPENING)},
                            },
                        )
                    ).json()
                    assert body["data"]["createAccount"]["userErrors"] == [], body

            rng = random.Random(seed)
            requests = []
            for n in range(transfers):
                source, destination = rng.sample(accounts, 2)
                requests.append(
                    {
                        "fromAccountId": source,
                        "toAccountId": destination,
                        "amount": f"{rng.randint(1, 5000) / 100:.2f}",
                        "idempotencyKey": f"{prefix}-{n}",
                    }
                )
            outcomes = Outcomes()
            plan.enabled = True
            started = time.monotonic()
            limits = httpx.Limits(max_connections=CONCURRENCY)
            async with httpx.AsyncClient(timeout=30, limits=limits) as client:
                slots = asyncio.Semaphore(CONCURRENCY)

                async def one(request: dict[str, Any]) -> None:
                    async with slots:
                        await send_until_known(client, url, request, outcomes)

                await asyncio.gather(*(one(r) for r in requests))
            elapsed = time.monotonic() - started
            plan.enabled = False
        items = await table_items(direct)

    faults = {fault.value: n for fault, n in proxy.counts.items()}
    print(  # noqa: T201 - the scenario's measurements, shown with -s
        f"\n{transfers} transfers in {elapsed:.1f}s; DynamoDB calls {faults}; "
        f"client retries {dict(outcomes.retries)}; "
        f"acknowledged {len(outcomes.acknowledged)}, refused {len(outcomes.refused)}"
    )
    assert proxy.counts[Fault.DROP_RESPONSE] > 0  # ambiguous commits did happen
    assert outcomes.retries["OUTCOME_UNKNOWN"] > 0  # and clients retried them
    assert outcomes.given_up == []
    assert set(outcomes.acknowledged) | set(outcomes.refused) == {
        r["idempotencyKey"] for r in requests
    }
    assert set(outcomes.refused.values()) <= {"INSUFFICIENT_FUNDS"}
    check_table(items, accounts, outcomes)


def check_table(items: list[dict[str, Any]], accounts: list[str], outcomes: Outcomes) -> None:
    mine = set(accounts)
    stored = [t for t in items_of_type(items, "TRANSFER") if t["from_account_id"]["S"] in mine]
    by_key: dict[str, list[str]] = defaultdict(list)
    for transfer in stored:
        by_key[transfer["idempotency_key"]["S"]].append(transfer["transfer_id"]["S"])
    # Every key at most once; every acknowledged transfer exactly once, under its id.
    assert {k: ids for k, ids in by_key.items() if len(ids) > 1} == {}
    for key, transfer_id in outcomes.acknowledged.items():
        assert by_key.get(key) == [transfer_id], key
    for key in outcomes.refused:
        assert key not in by_key, key  # a definite refusal wrote nothing
    # Money conserved to the cent; each balance is the sum of its entries, versions gap-free.
    balances = {
        a["account_id"]["S"]: Decimal(a["balance"]["N"])
        for a in items_of_type(items, "ACCOUNT")
        if a["account_id"]["S"] in mine
    }
    assert sum(balances.values()) == OPENING * len(accounts)
    entries: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for entry in items_of_type(items, "ENTRY"):
        if entry["account_id"]["S"] in mine:
            entries[entry["account_id"]["S"]].append(entry)
    for account_id, balance in balances.items():
        mine_entries = sorted(entries[account_id], key=lambda e: int(e["version"]["N"]))
        assert [int(e["version"]["N"]) for e in mine_entries] == list(
            range(1, len(mine_entries) + 1)
        ), account_id
        total = sum(
            Decimal(e["amount"]["N"]) * (1 if e["direction"]["S"] == "CREDIT" else -1)
            for e in mine_entries
        )
        assert total == balance, account_id
        assert Decimal(mine_entries[-1]["balance_after"]["N"]) == balance, account_id


def test_2000_transfers_over_http_with_10_percent_of_dynamodb_calls_faulted(
    dynamodb_endpoint: str,
) -> None:
    asyncio.run(run_scenario(dynamodb_endpoint, transfers=2000, seed=10))


@pytest.mark.soak
def test_soak_transfers_over_http_under_faults(dynamodb_endpoint: str) -> None:
    count = int(os.environ.get("LEDGER_SOAK_TRANSFERS", "20000"))
    asyncio.run(run_scenario(dynamodb_endpoint, transfers=count, seed=11))
