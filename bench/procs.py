"""The processes a run needs: the embedded DynamoDB endpoint and servers under uvicorn."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (all its threads), from /proc/PID/stat."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    fields = stat[stat.rindex(")") + 2 :].split()  # after "pid (comm) "; field 3 is fields[0]
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime, stime


def rss_bytes(pid: int) -> int:
    """Resident set size of a process, from /proc/PID/statm."""
    return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE_SIZE


@dataclass
class Server:
    """A server child process on 127.0.0.1:`port`."""

    kind: str
    port: int
    process: subprocess.Popen[bytes]
    log_path: Path
    _log: IO[bytes] = field(repr=False)

    @property
    def pid(self) -> int:
        return self.process.pid

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def cpu(self) -> float:
        return cpu_seconds(self.pid)

    def rss(self) -> int:
        return rss_bytes(self.pid)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log.close()


def start_server(kind: str, log_dir: Path, env: dict[str, str], *, timeout: float = 60.0) -> Server:
    """Start `python -m bench.serve KIND` on a free port and wait until /healthz answers."""
    port = free_port()
    log_path = log_dir / f"{kind}-{port}.log"
    log = log_path.open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "bench.serve", kind, "--port", str(port)],
        env={**os.environ, **env},
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    server = Server(kind, port, process, log_path, log)
    deadline = time.monotonic() + timeout
    while True:
        if process.poll() is not None:
            server.stop()
            raise RuntimeError(f"{kind} server exited early; see {log_path}")
        try:
            with urllib.request.urlopen(server.url + "/healthz", timeout=2) as response:
                if response.status == 200:
                    return server
        except OSError:
            pass
        if time.monotonic() > deadline:
            server.stop()
            raise RuntimeError(f"{kind} server did not start; see {log_path}")
        time.sleep(0.1)


def ledger_env(endpoint_url: str, table: str, **extra: str) -> dict[str, str]:
    """The environment of a `ledger serve` process on the embedded endpoint."""
    return {
        "AWS_ENDPOINT_URL": endpoint_url,
        "AWS_ACCESS_KEY_ID": "bench",
        "AWS_SECRET_ACCESS_KEY": "bench",
        "AWS_REGION": "us-east-1",
        "LEDGER_TABLE": table,
        # Workload 5 asks for 1,000 ids in one `accounts(ids:)`; the limit defaults to 100.
        "LEDGER_GRAPHQL_MAX_PAGE_SIZE": "1000",
        "LEDGER_LOG_LEVEL": "WARNING",
        # The workloads measure the ledger; what a verified token adds is measured on its own
        # (bench/transfers.py, "auth"), against this same setting in the same run.
        "LEDGER_AUTH_DISABLED": "true",
        # Every workload is one client at hundreds of requests a second: the rate limits
        # would measure themselves.
        "LEDGER_RATE_LIMITS": "false",
        # Workload 3 opens thousands of subscribers from one client address.
        "LEDGER_WS_MAX_CONNECTIONS_PER_PRINCIPAL": "1000000",
        "LEDGER_WS_MAX_CONNECTIONS": "1000000",
        **extra,
    }
