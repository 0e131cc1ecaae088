"""Fixtures for the exchange tests: a real local HTTP server serving ECB-format documents."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest

FIXTURES = Path(__file__).parent / "fixtures"
DAILY_XML = (FIXTURES / "eurofxref-daily.xml").read_bytes()
#: The fixture's reference day.
FIXTURE_DAY = datetime(2026, 11, 27, tzinfo=UTC)


def daily_xml(day: str) -> bytes:
    """The fixture with another reference day."""
    return DAILY_XML.replace(b"time='2026-11-27'", f"time='{day}'".encode())


class RatesServer:
    """ThreadingHTTPServer on 127.0.0.1:<free port> answering every GET with `body`/`status`.
    `stop()` closes the socket, so later requests are refused like a provider that is down."""

    def __init__(self) -> None:
        self.body = DAILY_XML
        self.status = 200
        self.delay = threading.Event()  # set: answer at once; clear: hold requests until set
        self.delay.set()
        self.hits = 0
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server.hits += 1
                server.delay.wait(timeout=5)
                self.send_response(server.status)
                self.send_header("Content-Type", "text/xml")
                self.send_header("Content-Length", str(len(server.body)))
                self.end_headers()
                self.wfile.write(server.body)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._httpd.server_address[1]}/eurofxref-daily.xml"
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        self.running = True

    def stop(self) -> None:
        if self.running:
            self.running = False
            self.delay.set()
            self._httpd.shutdown()
            self._httpd.server_close()
            self._thread.join()


@pytest.fixture
def rates_server() -> Iterator[RatesServer]:
    server = RatesServer()
    yield server
    server.stop()


class Clock:
    """Wall time the test moves by hand, starting the afternoon of the fixture's day."""

    def __init__(self) -> None:
        self.now = FIXTURE_DAY + timedelta(hours=16)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    # trust_env=False: a proxy set in the environment must not intercept loopback requests.
    async with httpx.AsyncClient(timeout=2.0, trust_env=False) as client:
        yield client
