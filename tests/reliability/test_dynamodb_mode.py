"""Defect 1: the in-memory endpoint is never chosen silently.

Credentials from anywhere in botocore's chain (a shared credentials file here) mean AWS; the
embedded endpoint runs only when asked for (`ledger serve --embedded`, LEDGER_EMBEDDED=true);
/readyz and the startup log say which DynamoDB the process uses."""

from __future__ import annotations

import subprocess
from pathlib import Path

import httpx
import pytest

from services.settings import Settings
from tests.e2e.conftest import Api
from tests.e2e.test_serve_cli import ledger_serve
from tests.support.app_process import ledger_command, unconfigured_environment


def _no_aws_environment(monkeypatch: pytest.MonkeyPatch, home: Path) -> None:
    for name, value in unconfigured_environment(home).items():
        monkeypatch.setenv(name, value)
    for name in list(__import__("os").environ):
        if name.startswith(("AWS_", "LEDGER_")) and name not in unconfigured_environment(home):
            monkeypatch.delenv(name, raising=False)


def test_credentials_from_a_shared_file_mean_aws_not_the_embedded_endpoint(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    _no_aws_environment(monkeypatch, tmp_path)
    credentials = tmp_path / "credentials"
    credentials.write_text(
        "[default]\naws_access_key_id = AKIDEXAMPLE\naws_secret_access_key = x\n"
    )
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(credentials))
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert not settings.use_embedded()
    from services.dynamo.client import aws_credentials_available

    assert aws_credentials_available(settings)


def test_nothing_configured_is_not_the_embedded_endpoint_either(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    _no_aws_environment(monkeypatch, tmp_path)
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert not settings.use_embedded()
    from services.dynamo.client import aws_credentials_available

    assert not aws_credentials_available(settings)
    assert Settings(_env_file=None, embedded=True).use_embedded()  # type: ignore[call-arg]


def test_serve_without_dynamodb_refuses_and_names_the_opt_in(tmp_path: Path) -> None:
    done = subprocess.run(
        [*ledger_command(), "serve", "--port", "0"],
        env=unconfigured_environment(tmp_path),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode != 0
    assert "--embedded" in done.stdout + done.stderr


def test_serve_embedded_reports_its_mode(tmp_path: Path) -> None:
    with ledger_serve(tmp_path, "--embedded") as (url, log_path):
        ready = httpx.get(url + "/readyz", timeout=5)
        assert ready.status_code == 200
        assert ready.json() == {
            "status": "ok",
            "dynamodb": "embedded",
            "auth": "development",
            "checks": {"dynamodb": "ok", "stream_worker": "running"},
        }
    assert '"dynamodb": "embedded"' in log_path.read_text()


def test_readyz_reports_a_configured_endpoint(api: Api) -> None:
    assert httpx.get(api.url + "/readyz").json() == {
        "status": "ok",
        "dynamodb": "endpoint",
        "auth": "disabled",
        "checks": {"dynamodb": "ok"},
    }
