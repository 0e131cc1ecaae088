"""`python -m bench.integrity [--entries N]`: the CPU the hash chain adds (issue 13).

Prints µs per entry hash, µs per transfer (both entries chained), and the pure CPU time and
peak traced memory of verifying one account of N entries (no DynamoDB: the floor under
`ledger verify`, whose reads come on top).
"""

from __future__ import annotations

import argparse
import time
import tracemalloc
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from services.domain.model import Account, Direction, Entry, Transfer
from services.integrity.chain import LinkedEntry, advance, entry_hash, genesis, link
from services.integrity.problems import VerificationSummary
from services.integrity.verify import AccountHead, verify_entries
from services.ledger.planning import plan_transfer

START = datetime(2024, 5, 1, tzinfo=UTC)


def best_us(action: Callable[[], object], rounds: int, repeat: int = 5) -> float:
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        for _ in range(rounds):
            action()
        best = min(best, time.perf_counter() - started)
    return best / rounds * 1e6


def account_history(count: int, account_id: str = "acct-0001") -> Iterator[LinkedEntry]:
    head = genesis(account_id)
    balance = Decimal("1000000.00")
    for version in range(1, count + 1):
        credit = version == 1 or version % 2 == 0
        amount = balance if version == 1 else Decimal("0.01")
        balance = amount if version == 1 else balance + (amount if credit else -amount)
        entry = Entry(
            id=f"01J{version:023d}",
            transfer_id=f"01K{version:023d}",
            account_id=account_id,
            counterparty_id=None if version == 1 else "acct-0002",
            direction=Direction.CREDIT if credit else Direction.DEBIT,
            amount=amount,
            balance_after=balance,
            version=version,
            currency="USD",
            created_at=START + timedelta(milliseconds=version),
            memo="rent",
        )
        following = advance(head, entry)
        yield link(entry, hash=following.hash, previous_hash=head.hash)
        head = following


def per_transfer_us() -> tuple[float, float]:
    """(planning on unchained accounts, planning on chained ones: both entries hashed) in µs:
    the very `plan_transfer` the commit path runs."""
    source = Account("alice", Decimal("100.00"), "USD", START, 41, head_at=START)
    destination = Account("bob", Decimal("5.00"), "USD", START, 7, head_at=START)
    transfer = Transfer("T1", "alice", "bob", Decimal("0.01"), "USD", START, "rent", "key")
    chained = (replace(source, head_hash="ab" * 32), replace(destination, head_hash="cd" * 32))

    def plan(pair: tuple[Account, Account]) -> Callable[[], object]:
        return lambda: plan_transfer(
            transfer=transfer,
            source=pair[0],
            destination=pair[1],
            debit_id="D" * 26,
            credit_id="C" * 26,
            request_fingerprint=None,
        )

    return best_us(plan((source, destination)), 20_000), best_us(plan(chained), 20_000)


def commit_path_us(rounds: int = 500, repeat: int = 7) -> tuple[float, float]:
    """(unchained, chained) process CPU µs of everything a commit does before the network:
    plan, the six TransactWriteItems items, the request token and botocore's serialization."""
    import botocore.session

    from services.dynamo.store import DynamoLedgerStore, request_token

    source = Account("alice", Decimal("100.00"), "USD", START, 41, head_at=START)
    destination = Account("bob", Decimal("5.00"), "USD", START, 7, head_at=START)
    transfer = Transfer("T1", "alice", "bob", Decimal("0.01"), "USD", START, "rent", "key")
    chained = (replace(source, head_hash="ab" * 32), replace(destination, head_hash="cd" * 32))
    store = DynamoLedgerStore(None, "ledger", None)  # type: ignore[arg-type]
    client = botocore.session.get_session().create_client(
        "dynamodb",
        region_name="us-east-1",
        aws_access_key_id="x",
        aws_secret_access_key="y",  # noqa: S106 - never sent: only serialized
    )
    model = client.meta.service_model.operation_model("TransactWriteItems")

    def commit(pair: tuple[Account, Account]) -> None:
        plan = plan_transfer(
            transfer=transfer,
            source=pair[0],
            destination=pair[1],
            debit_id="D" * 26,
            credit_id="C" * 26,
            request_fingerprint="f" * 64,
            stored_key="key",
        )
        writes = store._transfer_writes(plan)
        body = {"TransactItems": writes, "ClientRequestToken": request_token(writes)}
        client._serializer.serialize_to_request(body, model)  # type: ignore[attr-defined]

    best = {"unchained": float("inf"), "chained": float("inf")}
    for _ in range(repeat):  # interleaved, so a noisy neighbour hurts neither side alone
        for name, pair in (("unchained", (source, destination)), ("chained", chained)):
            started = time.process_time()
            for _ in range(rounds):
                commit(pair)
            best[name] = min(best[name], (time.process_time() - started) / rounds * 1e6)
    return best["unchained"], best["chained"]


def verify_run(count: int) -> tuple[float, int, float]:
    """(seconds of CPU, problems, peak traced MiB) verifying a lazily produced history."""
    entries = list(account_history(count))
    last = entries[-1]
    head = AccountHead(last.account_id, count, last.balance_after, "USD", last.hash)
    summary = VerificationSummary()
    started = time.process_time()
    problems = sum(1 for _ in verify_entries(head, entries, summary))
    elapsed = time.process_time() - started
    tracemalloc.start()
    sum(1 for _ in verify_entries(head, account_history(count)))
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return elapsed, problems, peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--entries", type=int, default=100_000)
    args = parser.parse_args()
    sample = next(account_history(1))
    hash_us = best_us(lambda: entry_hash("00" * 32, sample), 20_000)
    plan_us, chained_us = per_transfer_us()
    print(f"entry_hash: {hash_us:.2f} µs per entry")
    print(
        f"transfer plan: {plan_us:.2f} µs; plan + chaining both entries: {chained_us:.2f} µs "
        f"(+{chained_us - plan_us:.2f} µs per transfer)"
    )
    unchained_us, chained_us_all = commit_path_us()
    print(
        f"commit path before the network: unchained {unchained_us:.0f} µs, chained "
        f"{chained_us_all:.0f} µs (+{chained_us_all - unchained_us:.0f} µs per transfer)"
    )
    for count in sorted({args.entries // 10, args.entries}):
        seconds, problems, peak = verify_run(count)
        print(
            f"verify {count} entries: {seconds:.2f} s CPU ({count / seconds:,.0f} entries/s), "
            f"{problems} problems, peak traced memory {peak:.2f} MiB with a lazy stream"
        )


if __name__ == "__main__":
    main()
