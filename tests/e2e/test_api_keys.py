"""Server-to-server API keys across two `ledger serve` processes on one table: created with
the CLI and shown once, accepted by both, revoked with the CLI and refused by both within
seconds, on HTTP and on an open websocket. And `ledger serve` on a real table refuses to start
without authentication settings."""

from __future__ import annotations

import asyncio
import json
import subprocess
import time
import uuid
from pathlib import Path

import httpx

from tests.documents import CREATE
from tests.e2e.live import TRANSPORT_WS, GraphQLSocket
from tests.e2e.test_serve_cli import ledger_serve
from tests.support.app_process import ledger_command, unconfigured_environment

ME = "{ me { subject isAdmin } }"


def table_environment(endpoint: str, **extra: str) -> dict[str, str]:
    return {
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
        "AWS_REGION": "us-east-1",
        "LEDGER_TABLE": f"keys-{uuid.uuid4().hex[:10]}",
        "LEDGER_SERVE_STREAM_WORKER": "true",
        **extra,
    }


def ledger(home: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*ledger_command(), *args],
        env={**unconfigured_environment(home), **env},
        cwd=home,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def post(url: str, key: str, query: str, **variables: object) -> httpx.Response:
    return httpx.post(
        url + "/graphql",
        json={"query": query, "variables": variables},
        headers={"Authorization": f"Bearer {key}"},
        timeout=30,
    )


def test_api_keys_across_two_servers(tmp_path: Path, dynamodb_endpoint: str) -> None:
    env = table_environment(
        dynamodb_endpoint, LEDGER_AUTH_API_KEYS_ONLY="true", LEDGER_AUTH_API_KEY_CACHE_SECONDS="1"
    )
    env["LEDGER_STREAM_POLL_INTERVAL_SECONDS"] = "0.05"
    operator = ledger(tmp_path, env, "api-keys", "create", "--name", "ops", "--admin")
    holder = ledger(tmp_path, env, "api-keys", "create", "--name", "billing", "--sub", "alice")
    assert operator.returncode == 0, operator.stderr
    assert holder.returncode == 0, holder.stderr
    operator_key, alice_key = operator.stdout.strip(), holder.stdout.strip()
    assert alice_key.startswith("lk_")
    listed = [
        json.loads(line) for line in ledger(tmp_path, env, "api-keys", "list").stdout.splitlines()
    ]
    assert {k["name"] for k in listed} == {"ops", "billing"}
    assert alice_key not in json.dumps(listed)  # only its hash is stored
    alice_id = next(k["id"] for k in listed if k["name"] == "billing")

    with (
        ledger_serve(tmp_path, env=env, name="one") as (one, _),
        ledger_serve(tmp_path, env=env, name="two") as (two, _),
    ):
        created = post(one, operator_key, CREATE, input={"id": "a1", "ownerId": "alice"})
        assert created.json()["data"]["createAccount"]["userErrors"] == []
        for url in (one, two):
            me = post(url, alice_key, ME).json()["data"]["me"]
            assert me == {"subject": "alice", "isAdmin": False}
            assert post(url, "lk_0000000000000000_forged", ME).status_code == 401

        async def watch_until_revoked() -> int | None:
            async with GraphQLSocket.open(two, TRANSPORT_WS, alice_key) as ws:
                await ws.subscribe_balance("1", "a1")
                revoked = ledger(tmp_path, env, "api-keys", "revoke", alice_id)
                assert revoked.returncode == 0, revoked.stderr
                revoked_at = time.monotonic()
                for url in (one, two):
                    while post(url, alice_key, ME).status_code != 401:
                        assert time.monotonic() - revoked_at < 5, "revocation not seen in time"
                        await asyncio.sleep(0.2)
                await asyncio.wait_for(ws.ws.wait_closed(), 15)
                return ws.ws.close_code

        assert asyncio.run(watch_until_revoked()) == 4403
        assert post(one, operator_key, ME).status_code == 200  # other keys are unaffected
    assert ledger(tmp_path, env, "api-keys", "revoke", "no-such-key").returncode == 1


def test_serve_refuses_a_real_table_without_authentication(
    tmp_path: Path, dynamodb_endpoint: str
) -> None:
    refused = subprocess.run(
        [*ledger_command(), "serve", "--port", "0"],
        env={**unconfigured_environment(tmp_path), **table_environment(dynamodb_endpoint)},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert refused.returncode != 0
    assert "LEDGER_AUTH_ISSUER" in refused.stderr
    assert "LEDGER_AUTH_DISABLED" in refused.stderr
    assert "Traceback" not in refused.stderr


def test_serve_with_authentication_disabled_serves_and_warns(
    tmp_path: Path, dynamodb_endpoint: str
) -> None:
    env = table_environment(dynamodb_endpoint, LEDGER_AUTH_DISABLED="true")
    with ledger_serve(tmp_path, env=env) as (url, log_path):
        assert httpx.get(url + "/readyz").json()["auth"] == "disabled"
        anyone = httpx.post(url + "/graphql", json={"query": ME}).json()
        assert anyone["data"]["me"]["isAdmin"] is True
    assert "authentication is DISABLED" in log_path.read_text()
