"""`ledger verify` as an operator runs it (a subprocess against the embedded endpoint) after
each kind of tampering, done with a raw client that bypasses the ledger."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import boto3
import pytest

from services import Ledger
from services.dynamo import items as codec
from services.integrity.chain import entry_hash
from services.settings import Settings
from tests.integration.test_cli import run_ledger
from tests.support.app_process import unconfigured_environment


@pytest.fixture
async def history(ledger: Ledger) -> Ledger:
    """alice v1 opening 100.00, v2-v4 debits; bob v1-v3 credits then v4 a debit; carol."""
    await ledger.create_account_with_balance("alice", "100.00")
    await ledger.create_account_with_balance("bob", "0")
    await ledger.create_account_with_balance("carol", "0")
    await ledger.transfer_credits("alice", "bob", "30.00", idempotency_key="k-1")
    await ledger.transfer_credits("alice", "bob", "10.00")
    await ledger.transfer_credits("alice", "bob", "5.00", memo="third")
    await ledger.transfer_credits("bob", "carol", "1.00")
    return ledger


def raw(settings: Settings) -> Any:
    return boto3.client(
        "dynamodb",
        endpoint_url=settings.endpoint_url,
        region_name=settings.region,
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )


def get(settings: Settings, key: dict[str, Any]) -> dict[str, Any]:
    item: dict[str, Any] = raw(settings).get_item(TableName=settings.table_name, Key=key)["Item"]
    return item


def put(settings: Settings, item: dict[str, Any]) -> None:
    raw(settings).put_item(TableName=settings.table_name, Item=item)


def verify(settings: Settings, tmp_path: Path, *args: str) -> tuple[int, list[str]]:
    env = unconfigured_environment(tmp_path)
    env.update(
        AWS_ENDPOINT_URL=str(settings.endpoint_url),
        AWS_ACCESS_KEY_ID="test",
        AWS_SECRET_ACCESS_KEY="test",
        AWS_REGION=settings.region,
        LEDGER_TABLE=settings.table_name,
    )
    result = run_ledger(env, tmp_path, "verify", *args)
    assert "Traceback" not in result.stderr, result.stderr
    return result.returncode, result.stdout.splitlines()


def found(lines: list[str]) -> set[str]:
    """ "account vN: KIND" of each reported problem."""
    problems = lines[:-1]  # the last line is the summary
    return {": ".join(line.split(": ")[:2]) for line in problems}


async def test_a_clean_ledger_verifies(history: Ledger, settings: Settings, tmp_path: Path) -> None:
    status, lines = verify(settings, tmp_path)
    assert status == 0, lines
    assert lines[-1] == "3 accounts, 9 entries, 4 transfers checked: no problems"


async def test_a_changed_amount_is_named_at_its_version(
    history: Ledger, settings: Settings, tmp_path: Path
) -> None:
    item = get(settings, codec.entry_key("alice", 3))
    item["amount"] = {"N": "11.00"}
    put(settings, item)
    status, lines = verify(settings, tmp_path)
    assert status == 1
    assert {"alice v3: HASH_MISMATCH", "alice v3: BALANCE_MISMATCH"} <= found(lines)
    assert "alice v3: TRANSFER_MISMATCH" in found(lines)  # against the transfer record
    assert "alice v4: HEAD_BALANCE_MISMATCH" in found(lines)
    assert not any(line.startswith(("alice v2", "bob")) for line in lines), lines


async def test_a_deleted_entry_is_a_version_gap(
    history: Ledger, settings: Settings, tmp_path: Path
) -> None:
    raw(settings).delete_item(TableName=settings.table_name, Key=codec.entry_key("alice", 2))
    status, lines = verify(settings, tmp_path)
    assert status == 1
    assert "alice v2: VERSION_GAP" in found(lines)
    assert "alice v4: HEAD_BALANCE_MISMATCH" in found(lines)  # its 30.00 is no longer posted


async def test_a_changed_balance_is_named_on_the_account(
    history: Ledger, settings: Settings, tmp_path: Path
) -> None:
    item = get(settings, codec.account_key("bob"))
    item["balance"] = {"N": "1000.00"}
    put(settings, item)
    status, lines = verify(settings, tmp_path)
    assert status == 1
    assert found(lines) == {"bob v4: HEAD_BALANCE_MISMATCH"}
    assert "account balance 1000.00 but its entries sum to 44.00" in "\n".join(lines)


async def test_swapped_entries_are_both_named(
    history: Ledger, settings: Settings, tmp_path: Path
) -> None:
    first, second = (
        get(settings, codec.entry_key("bob", 1)),
        get(settings, codec.entry_key("bob", 2)),
    )
    keys = ("PK", "SK")
    put(
        settings,
        {**{k: v for k, v in second.items() if k not in keys}, **codec.entry_key("bob", 1)},
    )
    put(
        settings, {**{k: v for k, v in first.items() if k not in keys}, **codec.entry_key("bob", 2)}
    )
    status, lines = verify(settings, tmp_path)
    assert status == 1
    assert {"bob v1: VERSION_ORDER", "bob v2: VERSION_ORDER"} <= found(lines)
    assert {"bob v1: HASH_MISMATCH", "bob v2: HASH_MISMATCH"} <= found(lines)


async def test_a_rehashed_rewrite_disagrees_with_the_account_head(
    history: Ledger, settings: Settings, tmp_path: Path
) -> None:
    # A forger rewrites alice v2 (30.00 -> 3.00) and re-hashes it and every later entry,
    # consistently, but cannot also move the head without a second write to the account.
    previous: str | None = None
    for version in (2, 3, 4):
        item = get(settings, codec.entry_key("alice", version))
        if version == 2:
            item["amount"] = {"N": "3.00"}
        item["balance_after"] = {"N": str(float(item["balance_after"]["N"]) + 27)}
        entry = codec.entry_from_item(item)
        link = previous or str(entry.previous_hash)
        item["previous_hash"] = {"S": link}
        item["hash"] = {"S": entry_hash(link, entry)}
        previous = item["hash"]["S"]
        put(settings, item)
    status, lines = verify(settings, tmp_path)
    assert status == 1
    kinds = found(lines)
    assert "alice v4: HEAD_HASH_MISMATCH" in kinds
    assert not {k for k in kinds if "HASH_MISMATCH" in k and "HEAD" not in k}  # links all agree
    assert "alice v2: TRANSFER_MISMATCH" in kinds


async def test_an_idempotency_record_without_its_transfer(
    history: Ledger, settings: Settings, tmp_path: Path
) -> None:
    entry = codec.entry_from_item(get(settings, codec.entry_key("alice", 2)))
    raw(settings).delete_item(
        TableName=settings.table_name, Key=codec.transfer_key(entry.transfer_id)
    )
    status, lines = verify(settings, tmp_path)
    assert status == 1
    assert "alice v2: TRANSFER_MISSING" in found(lines)
    assert any("IDEMPOTENCY_ORPHAN" in line for line in lines)


async def test_an_account_from_before_the_chain_is_reported_unchained(
    history: Ledger, settings: Settings, tmp_path: Path
) -> None:
    raw(settings).update_item(
        TableName=settings.table_name,
        Key=codec.account_key("carol"),
        UpdateExpression="REMOVE head_hash, head_at",
    )
    status, lines = verify(settings, tmp_path, "--account", "carol")
    assert status == 1
    assert found(lines) == {"carol v1: MISSING_HASH"}


async def test_verify_names_an_unknown_account(settings: Settings, tmp_path: Path) -> None:
    async with Ledger.connect(settings):
        pass
    status, _ = verify(settings, tmp_path, "--account", "nobody")
    assert status == 2
