"""Service processes for the fault scenarios: a `ledger stream-worker` to SIGKILL and restart,
configured from a Settings object through its environment variables."""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
from pathlib import Path

from services.settings import Settings
from tests.support.app_process import settings_environment, unconfigured_environment


def settings_env(settings: Settings, home: Path) -> dict[str, str]:
    """The environment that makes a `ledger` process read `settings`, away from any AWS
    configuration of this machine."""
    return {**unconfigured_environment(home), **settings_environment(settings)}


class WorkerProcess:
    """`ledger stream-worker` in a process of its own, which a test kills with SIGKILL."""

    def __init__(self, settings: Settings, home: Path) -> None:
        self._env = settings_env(settings, home)
        self._home = home
        self._process: subprocess.Popen[bytes] | None = None
        self.starts = 0
        self.log = home / "worker.log"

    def start(self) -> None:
        ledger = shutil.which("ledger", path=str(Path(sys.executable).parent))
        assert ledger is not None, "the ledger command is not installed in this environment"
        with self.log.open("ab") as log:
            self._process = subprocess.Popen(
                [ledger, "stream-worker"],
                env=self._env,
                cwd=self._home,  # away from the repository: no `.env` file is read
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        self.starts += 1

    def kill(self) -> None:
        """SIGKILL: no cleanup, no lease released, sends cut off wherever they were."""
        assert self._process is not None
        self._process.send_signal(signal.SIGKILL)
        self._process.wait(timeout=10)

    def stop(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.send_signal(signal.SIGTERM)
            try:
                self._process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait(timeout=5)

    def alive(self) -> bool:
        return self._process is not None and self._process.poll() is None
