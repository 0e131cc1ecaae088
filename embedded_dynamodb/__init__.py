"""The embedded DynamoDB endpoint: moto's server, hardened for a ledger, in a child process.

Used by the test session and by `ledger serve` when no DynamoDB is configured. What it fixes in
moto 5.2.5, each with a regression test in tests/embedded/:

- transactions copy whole tables to roll back (cost grows with the table; stream iterators
  break after a rollback): replaced by a condition pass and a journal of touched items
  (`transactions`);
- concurrent requests race inside moto (lost and phantom writes, HTTP 500s): requests are
  serialized (`server`);
- ClientRequestToken is ignored: honoured for ten minutes (`tokens`);
- UpdateExpression arithmetic rounds at 28 digits and fails on exponent-form numbers: exact to
  DynamoDB's 38 digits (`numbers`);
- Query sorts the whole table and walks to the start key: bisects one partition (`queries`);
- an UpdateItem that creates an item emits two records, unknown shard iterators are HTTP 500s
  and iterators never expire (`streams`).

The ledger does not rely on any of these for correctness; they make the endpoint behave like
DynamoDB so that tests against it mean something.
"""

from __future__ import annotations

import subprocess
import sys
import threading
import urllib.request
from types import TracebackType
from typing import IO

from embedded_dynamodb.server import READY

START_TIMEOUT_SECONDS = 60.0


class EmbeddedDynamoDBError(RuntimeError):
    pass


class EmbeddedDynamoDB:
    """A child process serving the embedded endpoint on `host` (loopback by default).

    `start()` returns its URL; the child exits when `stop()` is called or this process dies.
    Also a context manager yielding the URL.
    """

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self._host = host
        self._port = port
        self._process: subprocess.Popen[bytes] | None = None
        self.url: str | None = None

    def start(self) -> str:
        if self.url is not None:
            return self.url
        command = [sys.executable, "-m", "embedded_dynamodb", "--exit-with-stdin"]
        command += ["--host", self._host, "--port", str(self._port)]
        process = subprocess.Popen(  # noqa: S603 - our own module, fixed arguments
            command, stdin=subprocess.PIPE, stdout=subprocess.PIPE
        )
        self._process = process
        assert process.stdout is not None
        ready: list[str] = []
        announced = threading.Event()
        reader = threading.Thread(
            target=_read_until_ready, args=(process.stdout, ready, announced), daemon=True
        )
        reader.start()
        announced.wait(START_TIMEOUT_SECONDS)
        if not ready:
            self.stop()
            raise EmbeddedDynamoDBError(
                "the embedded DynamoDB endpoint did not start: see its error output above"
            )
        self.url = ready[0]
        return self.url

    def stop(self) -> None:
        process, self._process, self.url = self._process, None, None
        if process is None:
            return
        if process.stdin is not None:
            process.stdin.close()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def __enter__(self) -> str:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


def _read_until_ready(stream: IO[bytes], ready: list[str], announced: threading.Event) -> None:
    for raw in stream:
        line = raw.decode(errors="replace").strip()
        if line.startswith(READY):
            ready.append(line.split(" ", 1)[1])
            break
    announced.set()
    # Keep draining so that the child never blocks on a full pipe, then close our end.
    with stream:
        for _ in stream:
            pass


def reset(url: str) -> None:
    """Forget every table, stream, remembered token, e-mail and SMS of the endpoint at `url`."""
    request = urllib.request.Request(url + "/moto-api/reset", method="POST")  # noqa: S310
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - our endpoint
        response.read()


__all__ = ["EmbeddedDynamoDB", "EmbeddedDynamoDBError", "reset"]
