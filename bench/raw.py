"""Baseline (a) of workload 1: raw aioboto3 TransactWriteItems of a transfer's shape.

Run as a child process (`python -m bench.raw ENDPOINT TABLE CONCURRENCY COUNT`) on uvloop like
the server, so that its CPU time is its own. Each worker owns a pair of accounts and writes
what the service writes for a transfer with an idempotency key: two conditioned balance
updates, two entries, the transfer and the idempotency record, with a ClientRequestToken, built
by the service's own store code. Prints one JSON line: latencies, wall and CPU seconds.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from decimal import Decimal

import uvloop

from bench.data import account, dynamodb, put_accounts
from services.domain.model import Account, Transfer
from services.dynamo.batch import BatchReader
from services.dynamo.store import DynamoLedgerStore, request_token
from services.ledger.ids import new_id, utc_now
from services.ledger.planning import fingerprint, plan_transfer
from services.retry import Backoff

AMOUNT = Decimal("0.01")


async def run(endpoint: str, table: str, concurrency: int, count: int) -> dict[str, object]:
    prefix = f"raw-{new_id()}"
    async with dynamodb(endpoint, pool=max(concurrency, 4)) as client:
        pairs = [
            (account(f"{prefix}-{i}-a", Decimal(1000), 1), account(f"{prefix}-{i}-b"))
            for i in range(concurrency)
        ]
        written = await put_accounts(client, table, [a for pair in pairs for a in pair])
        pairs = list(zip(written[::2], written[1::2], strict=True))  # with their head hashes
        store = DynamoLedgerStore(client, table, BatchReader(client, table, Backoff(0.02, 1.0)))
        latencies: list[float] = []
        per_worker = [count // concurrency + (i < count % concurrency) for i in range(concurrency)]

        async def worker(i: int) -> None:
            source, destination = pairs[i]
            for _ in range(per_worker[i]):
                source, destination = await transfer(store, client, table, source, destination)

        async def transfer(
            store: DynamoLedgerStore, client: object, table: str, src: Account, dst: Account
        ) -> tuple[Account, Account]:
            started = time.perf_counter()
            key = new_id()
            moved = Transfer(new_id(), src.id, dst.id, AMOUNT, "USD", utc_now(), "bench", key)
            plan = plan_transfer(
                transfer=moved,
                source=src,
                destination=dst,
                debit_id=new_id(),
                credit_id=new_id(),
                request_fingerprint=fingerprint(src.id, dst.id, AMOUNT, "bench"),
            )
            writes = store._transfer_writes(plan)
            await store._client.transact_write_items(
                TransactItems=writes,  # type: ignore[arg-type]
                ClientRequestToken=request_token(writes),
            )
            latencies.append(time.perf_counter() - started)
            return plan.source_after, plan.destination_after

        cpu, wall = time.process_time(), time.perf_counter()
        await asyncio.gather(*(worker(i) for i in range(concurrency)))
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    return {"latencies": latencies, "cpu": cpu, "wall": wall}


def main(argv: list[str]) -> None:
    endpoint, table, concurrency, count = argv[0], argv[1], int(argv[2]), int(argv[3])
    result = uvloop.run(run(endpoint, table, concurrency, count))
    print(json.dumps(result))


if __name__ == "__main__":
    main(sys.argv[1:])
