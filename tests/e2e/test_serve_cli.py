"""`ledger serve` as a user runs it first: no configuration at all, so the embedded in-memory
DynamoDB; `--demo` fills it. The installed console script in a fresh process."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from tests.e2e.conftest import free_port
from tests.support.app_process import (
    ledger_command,
    stop,
    unconfigured_environment,
    wait_until_ready,
)


@contextmanager
def ledger_serve(
    tmp_path: Path, *args: str, env: dict[str, str] | None = None, name: str = "serve"
) -> Iterator[tuple[str, Path]]:
    """`ledger serve` in a fresh process, unconfigured but for `env`; yields its URL."""
    port = free_port()
    log_path = tmp_path / f"{name}.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [*ledger_command(), "serve", "--port", str(port), *args],
            env={**unconfigured_environment(tmp_path), **(env or {})},
            cwd=tmp_path,  # no `.env` file
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_ready(process, url, log_path.read_text, probe="/readyz")
        yield url, log_path
    finally:
        stop(process)


def dev_token(home: Path, *args: str) -> str:
    """`ledger dev-token` in the same unconfigured environment: a token the server accepts."""
    made = subprocess.run(
        [*ledger_command(), "dev-token", *args],
        env=unconfigured_environment(home),
        cwd=home,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return made.stdout.strip()


def graphql(url: str, query: str, token: str) -> dict[str, object]:
    response = httpx.post(
        url + "/graphql",
        json={"query": query},
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body, body
    data: dict[str, object] = body["data"]
    return data


@pytest.mark.parametrize("demo", [True, False])
def test_serve_without_configuration(tmp_path: Path, demo: bool) -> None:
    with ledger_serve(tmp_path, "--embedded", *(["--demo"] if demo else [])) as (url, log_path):
        anonymous = httpx.post(url + "/graphql", json={"query": "{ me { subject } }"})
        assert anonymous.status_code == 401  # authentication is on out of the box
        token = dev_token(tmp_path, "--sub", "ops", "--admin")
        seeded = graphql(
            url,
            '{ account(id: "alice") { id balance } missingAccounts(ids: ["alice"]) }',
            token,
        )
        if demo:
            assert seeded["missingAccounts"] == []
            history = graphql(
                url,
                '{ account(id: "alice") { transactions(first: 3) { edges { cursor } } } }',
                token,
            )
            assert len(history["account"]["transactions"]["edges"]) == 3  # type: ignore[index]
        else:
            assert seeded == {"account": None, "missingAccounts": ["alice"]}
            graphql(
                url,
                'mutation { createAccount(input: {id: "alice", initialBalance: "10"}) '
                "{ userErrors { code } } }",
                token,
            )
            graphql(
                url, 'mutation { createAccount(input: {id: "bob"}) { userErrors { code } } }', token
            )
        moved = graphql(
            url,
            'mutation { transfer(input: {fromAccountId: "alice", toAccountId: "bob", '
            'amount: "1.50", idempotencyKey: "first"}) '
            "{ transfer { amount } userErrors { code } } }",
            token,
        )
        assert moved == {"transfer": {"transfer": {"amount": "1.50"}, "userErrors": []}}
        page = httpx.get(url + "/graphql", headers={"Accept": "text/html"})
        assert page.status_code == 200
        assert "graphiql.min.js" in page.text
        assert "Bearer " in page.text  # GraphiQL opens with the development operator's token
        assert httpx.get(url + "/static/graphiql.min.js").status_code == 200
    log = log_path.read_text()
    assert "in memory" in log
    assert "/graphql" in log
