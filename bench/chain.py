"""`python -m bench.chain [--pairs N] [--transfers N]`: what the hash chain costs (issue 13).

1. Transfer path CPU with and without the chain, in this process: the same `Ledger` moves
   money between two chained accounts and between two unchained ones (head hash removed, so
   the commit path skips hashing), against the embedded endpoint (its own process: its CPU is
   not counted). The difference is what chaining costs the service per transfer.
2. `ledger verify` on 100,000 entries: `--pairs` pairs of accounts, each an opening entry and
   `--transfers` transfers back and forth, written with BatchWriteItem as the ledger's own
   chained items (planned by its own code), then the installed command timed as a subprocess.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import time
from dataclasses import replace
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from bench.data import START, create_table, dynamodb, write_items
from embedded_dynamodb import EmbeddedDynamoDB
from services.domain.model import Account, Transfer
from services.dynamo import items as codec
from services.ledger import Ledger
from services.ledger.chaining import opened
from services.ledger.planning import opening_entry, plan_transfer
from services.settings import Settings

TABLE = "ledger"


def settings(endpoint: str) -> Settings:
    return Settings(
        endpoint_url=endpoint,
        access_key_id="bench",
        secret_access_key=SecretStr("bench"),
        region="us-east-1",
        table_name=TABLE,
    )


async def transfer_cpu(endpoint: str, count: int) -> tuple[float, float]:
    """(chained, unchained) CPU µs per transfer in the ledger's process."""
    async with Ledger.connect(settings(endpoint)) as ledger:
        for name in ("c1", "c2", "u1", "u2"):
            await ledger.create_account_with_balance(name, "1000000.00")
        async with dynamodb(endpoint) as client:
            for name in ("u1", "u2"):
                await client.update_item(
                    TableName=TABLE,
                    Key=codec.account_key(name),
                    UpdateExpression="REMOVE head_hash",
                )
    results = []
    async with Ledger.connect(settings(endpoint)) as ledger:  # nothing cached from before
        for pair in (("c1", "c2"), ("u1", "u2"), ("c1", "c2"), ("u1", "u2")):
            for _ in range(50):  # warm-up
                await ledger.transfer_credits(*pair, "0.01")
            started = time.process_time()
            for _ in range(count):
                await ledger.transfer_credits(*pair, "0.01")
            results.append((time.process_time() - started) / count * 1e6)
    # Interleaved twice: the best of each, so a noisy neighbour hurts neither side alone.
    return min(results[0], results[2]), min(results[1], results[3])


def history_items(pairs: int, transfers: int) -> tuple[list[dict[str, Any]], int]:
    items: list[dict[str, Any]] = []
    entries = 0
    for pair in range(pairs):
        a = Account(f"acct-{pair:05d}-a", Decimal("1000000.00"), "USD", START, 1)
        b = Account(f"acct-{pair:05d}-b", Decimal(0), "USD", START, 0)
        a, opening = opened(a, opening_entry(a, f"O{pair:025d}", f"P{pair:025d}", START))
        b, _ = opened(b, None)
        assert opening is not None
        items.append(codec.entry_item(opening))
        entries += 1
        for n in range(transfers):
            source, destination = (a, b) if n % 2 == 0 else (b, a)
            transfer = Transfer(
                f"T{pair:012d}{n:013d}",
                source.id,
                destination.id,
                Decimal("0.01"),
                "USD",
                START + timedelta(milliseconds=n + 1),
                "bench",
            )
            plan = plan_transfer(
                transfer=transfer,
                source=source,
                destination=destination,
                debit_id=f"D{pair:012d}{n:013d}",
                credit_id=f"C{pair:012d}{n:013d}",
                request_fingerprint=None,
            )
            items += [
                codec.entry_item(plan.debit),
                codec.entry_item(plan.credit),
                codec.transfer_item(plan.transfer),
            ]
            entries += 2
            after = (plan.source_after, plan.destination_after)
            a, b = after if source is a else after[::-1]
        items += [codec.account_item(replace(a)), codec.account_item(replace(b))]
    return items, entries


async def load(endpoint: str, pairs: int, transfers: int) -> tuple[int, int, float]:
    started = time.perf_counter()
    items, entries = history_items(pairs, transfers)
    async with dynamodb(endpoint) as client:
        await create_table(client, TABLE, stream=False)
        await write_items(client, TABLE, items, concurrency=8)
    return entries, len(items), time.perf_counter() - started


def time_verify(endpoint: str) -> tuple[float, str, str]:
    env = dict(os.environ)
    env.update(
        AWS_ENDPOINT_URL=endpoint,
        AWS_ACCESS_KEY_ID="bench",
        AWS_SECRET_ACCESS_KEY="bench",  # noqa: S106 - the embedded endpoint takes any
        AWS_REGION="us-east-1",
        LEDGER_TABLE=TABLE,
        # The embedded endpoint on a loaded two-core machine can take longer than the default
        # 10 s to answer a Scan page; a real table answers in milliseconds.
        LEDGER_READ_TIMEOUT_SECONDS="120",
        LEDGER_AWS_MAX_ATTEMPTS="5",
    )
    ledger = Path(sys.executable).with_name("ledger")
    started = time.perf_counter()
    result = subprocess.run(
        [str(ledger), "verify"], env=env, capture_output=True, text=True, check=False
    )
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(
            f"ledger verify failed ({result.returncode}):\n{result.stdout[-2000:]}\n"
            f"{result.stderr[-3000:]}"
        )
    return elapsed, result.stdout.strip().splitlines()[-1], result.stderr.strip()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pairs", type=int, default=500)
    parser.add_argument("--transfers", type=int, default=100)
    parser.add_argument("--transfer-rounds", type=int, default=300)
    parser.add_argument("--only", choices=("cpu", "verify"), default=None)
    args = parser.parse_args()
    if args.only != "verify":
        with EmbeddedDynamoDB() as endpoint:
            chained, unchained = asyncio.run(transfer_cpu(endpoint, args.transfer_rounds))
            print(
                f"transfer path CPU in the ledger process: chained {chained:.0f} µs, unchained "
                f"{unchained:.0f} µs per transfer: chain +{chained - unchained:.0f} µs "
                f"({(chained - unchained) / unchained:+.1%})"
            )
    if args.only == "cpu":
        return
    with EmbeddedDynamoDB() as endpoint:
        entries, count, seconds = asyncio.run(load(endpoint, args.pairs, args.transfers))
        print(f"loaded {entries:,} entries ({count:,} items) in {seconds:.1f} s")
        elapsed, summary, progress = time_verify(endpoint)
        print(f"ledger verify: {elapsed:.1f} s wall ({entries / elapsed:,.0f} entries/s)")
        print(f"  {summary}")
        print(f"  last progress line: {progress.splitlines()[-1] if progress else '-'}")


if __name__ == "__main__":
    main()
