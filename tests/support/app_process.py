"""`ledger serve` in a process of its own, configured by environment variables as an operator
would configure it. Floods measured from the test process then load the server, not the test's
own interpreter (an in-thread server shares the flooding client's GIL, which is what a latency
measured from outside would not see)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import httpx
from pydantic import AliasChoices, SecretStr

from bench.procs import cpu_seconds, free_port, rss_bytes
from services.settings import Settings
from tests.e2e.conftest import Api

STARTUP_SECONDS = 60


def ledger_command() -> list[str]:
    """The `ledger` console script installed beside this interpreter (pyproject's
    [project.scripts]); the same entry point through the interpreter if it is missing."""
    script = Path(sys.executable).with_name("ledger")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "from entrypoints.cli import app; app(prog_name='ledger')"]


def unconfigured_environment(home: Path) -> dict[str, str]:
    """This process's environment without any AWS or ledger configuration, and a HOME with no
    ~/.aws files: what a first-time user has; only what a test sets can configure a command."""
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("AWS_", "LEDGER_", "BOTO_", "OTEL_"))
    }
    env.update(
        HOME=str(home),
        XDG_DATA_HOME=str(home / "data"),
        AWS_CONFIG_FILE=str(home / "no-aws-config"),
        AWS_SHARED_CREDENTIALS_FILE=str(home / "no-aws-credentials"),
        AWS_EC2_METADATA_DISABLED="true",
    )
    return env


def settings_environment(settings: Settings) -> dict[str, str]:
    """The LEDGER_* (and AWS_*) variables that make a `ledger` process read `settings`: every
    value that differs from its default."""
    environment = {}
    for name, field in type(settings).model_fields.items():
        value = getattr(settings, name)
        if value is None or value == field.get_default(call_default_factory=True):
            continue
        alias = field.validation_alias
        variable = (
            str(alias.choices[0]) if isinstance(alias, AliasChoices) else f"LEDGER_{name.upper()}"
        )
        environment[variable] = env_text(value)
    return environment


def env_text(value: Any) -> str:
    if isinstance(value, SecretStr):
        return value.get_secret_value()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple | dict | set | frozenset):
        return json.dumps(sorted(value) if isinstance(value, set | frozenset) else value)
    return str(value)


@dataclass(frozen=True)
class ServedProcess:
    url: str
    pid: int

    def rss_bytes(self) -> int:
        """The server's resident memory now."""
        return rss_bytes(self.pid)

    def cpu_seconds(self) -> float:
        """The server's CPU time so far (user and system, all threads)."""
        return cpu_seconds(self.pid)


@dataclass(frozen=True)
class ProcessApi(Api):
    """The API as served by a `ledger serve` process of its own."""

    server: ServedProcess


@contextmanager
def serving_process(settings: Settings) -> Iterator[ServedProcess]:
    """Run `ledger serve` with `settings` on a free port, away from this machine's AWS
    configuration. The server's log is shown when it fails to start."""
    port = free_port()
    with tempfile.TemporaryDirectory() as home, tempfile.TemporaryFile() as log:
        environment = {
            **unconfigured_environment(Path(home)),
            **settings_environment(settings),
            "LEDGER_LOG_LEVEL": "WARNING",
        }
        process = subprocess.Popen(
            [*ledger_command(), "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=environment,
            cwd=home,  # no `.env` file
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            wait_until_ready(process, url, lambda: read_all(log))
            yield ServedProcess(url, process.pid)
        finally:
            stop(process)


def read_all(log: IO[bytes]) -> str:
    log.seek(0)
    return log.read().decode(errors="replace")


def wait_until_ready(
    process: subprocess.Popen[bytes],
    url: str,
    read_log: Callable[[], str],
    *,
    probe: str = "/healthz",
) -> None:
    """Return once `url + probe` answers 200; fail with the process's log if it exits first
    or does not answer within STARTUP_SECONDS."""
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        try:
            if httpx.get(url + probe, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{url} did not start:\n{read_log()}")


def stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM, then SIGKILL if it has not exited within 15 s."""
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=5)
