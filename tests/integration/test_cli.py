"""`ledger create-tables` as an operator runs it: the installed console script, in a fresh
process, configured only by the standard environment variables."""

from __future__ import annotations

import asyncio
import subprocess
from pathlib import Path
from typing import Any

import aioboto3

from services.settings import Settings
from tests.support.app_process import ledger_command, unconfigured_environment


def run_ledger(env: dict[str, str], cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*ledger_command(), *args],
        env=env,
        cwd=cwd,  # away from the repository, so no `.env` file is read
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


async def describe_table(settings: Settings) -> dict[str, Any]:
    session = aioboto3.Session(
        aws_access_key_id="test", aws_secret_access_key="test", region_name=settings.region
    )
    async with session.client("dynamodb", endpoint_url=settings.endpoint_url) as client:
        description = await client.describe_table(TableName=settings.table_name)
    return dict(description["Table"])


def test_create_tables_is_idempotent(settings: Settings, tmp_path: Path) -> None:
    assert settings.endpoint_url is not None
    env = unconfigured_environment(tmp_path)
    env.update(
        AWS_ENDPOINT_URL=settings.endpoint_url,
        AWS_ACCESS_KEY_ID="test",
        AWS_SECRET_ACCESS_KEY="test",
        AWS_REGION=settings.region,
        LEDGER_TABLE=settings.table_name,
    )

    first = run_ledger(env, tmp_path, "create-tables")
    assert first.returncode == 0, first.stderr
    assert "created" in first.stdout
    assert "already exists" not in first.stdout
    assert settings.table_name in first.stdout

    table = asyncio.run(describe_table(settings))
    assert table["TableStatus"] == "ACTIVE"
    assert {k["AttributeName"]: k["KeyType"] for k in table["KeySchema"]} == {
        "PK": "HASH",
        "SK": "RANGE",
    }
    assert table["StreamSpecification"] == {
        "StreamEnabled": True,
        "StreamViewType": "NEW_AND_OLD_IMAGES",
    }

    second = run_ledger(env, tmp_path, "create-tables")
    assert second.returncode == 0, second.stderr
    assert "already exists" in second.stdout
    assert asyncio.run(describe_table(settings))["TableArn"] == table["TableArn"]


def test_create_tables_without_any_dynamodb_configured_exits_2(tmp_path: Path) -> None:
    result = run_ledger(unconfigured_environment(tmp_path), tmp_path, "create-tables")

    assert result.returncode == 2, (result.stdout, result.stderr)
    assert "No DynamoDB is configured" in result.stderr
    assert "AWS_ENDPOINT_URL" in result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == ""


def test_ledger_help_lists_create_tables(tmp_path: Path) -> None:
    result = run_ledger(unconfigured_environment(tmp_path), tmp_path, "--help")

    assert result.returncode == 0, result.stderr
    assert "create-tables" in result.stdout
