"""`ledger export` in a subprocess: every entry once, exact amounts, the documented columns."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from services import Ledger
from services.integrity.export import COLUMNS
from services.settings import Settings
from tests.integration.test_cli import run_ledger
from tests.support.app_process import unconfigured_environment


def export(settings: Settings, tmp_path: Path, *args: str) -> Path:
    env = unconfigured_environment(tmp_path)
    env.update(
        AWS_ENDPOINT_URL=str(settings.endpoint_url),
        AWS_ACCESS_KEY_ID="test",
        AWS_SECRET_ACCESS_KEY="test",
        AWS_REGION=settings.region,
        LEDGER_TABLE=settings.table_name,
    )
    output = tmp_path / "out"
    result = run_ledger(env, tmp_path, "export", "--output", str(output), *args)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    return output


async def test_export_writes_every_entry_with_exact_amounts(
    ledger: Ledger, settings: Settings, tmp_path: Path
) -> None:
    await ledger.create_account_with_balance("alice", "100.00")
    await ledger.create_account_with_balance("bob", "0")
    await ledger.transfer_credits("alice", "bob", "12.50", memo="=cmd")

    rows = [json.loads(line) for line in export(settings, tmp_path).read_text().splitlines()]
    assert sorted((r["account_id"], r["version"]) for r in rows) == [
        ("alice", 1),
        ("alice", 2),
        ("bob", 1),
    ]
    bob = next(r for r in rows if r["account_id"] == "bob")
    assert list(bob) == list(COLUMNS)
    assert (bob["amount"], bob["balance_after"], bob["memo"]) == ("12.50", "12.50", "=cmd")
    assert len(bob["hash"]) == 64

    path = export(settings, tmp_path, "--format", "csv", "--account", "alice")
    with path.open(newline="", encoding="utf-8") as lines:
        table = list(csv.DictReader(lines))
    assert [(r["version"], r["amount"], r["counterparty_id"]) for r in table] == [
        ("1", "100.00", ""),
        ("2", "12.50", "bob"),
    ]

    later = export(settings, tmp_path, "--account", "alice", "--since", "2999-01-01T00:00:00")
    assert later.read_text() == ""
