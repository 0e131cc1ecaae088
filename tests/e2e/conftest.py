"""A real uvicorn socket in front of the app, against the session's DynamoDB endpoint."""

from __future__ import annotations

import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import uvicorn
from starlette.applications import Starlette

from entrypoints.app import create_app
from entrypoints.ws_protocol import HandingOverHttpProtocol, LeanWebSocketProtocol
from services.settings import Settings

GRAPHQL_RESPONSE_JSON = "application/graphql-response+json"


@contextmanager
def serving(app: Starlette, **config: Any) -> Iterator[str]:
    """Run `app` under uvicorn on a free loopback port in a thread; yield its base URL.
    `config`: more uvicorn.Config options (`ws_max_size`, ...)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)  # TCP_NODELAY
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(
            app,
            lifespan="on",
            log_config=None,
            access_log=False,
            ws=LeanWebSocketProtocol,
            http=HandingOverHttpProtocol,
            **config,
        )
    )
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=15)
        sock.close()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass(frozen=True)
class Api:
    url: str
    settings: Settings

    @property
    def graphql(self) -> str:
        return self.url + "/graphql"

    def post(
        self, query: str, variables: dict[str, Any] | None = None, *, accept: str | None = None
    ) -> httpx.Response:
        headers = {"Accept": accept} if accept else {}
        body: dict[str, Any] = {"query": query}
        if variables is not None:
            body["variables"] = variables
        return httpx.post(self.graphql, json=body, headers=headers, timeout=30)

    def data(self, query: str, **variables: Any) -> Any:
        response = self.post(query, variables)
        assert response.status_code == 200, response.text
        body = response.json()
        assert "errors" not in body, body
        return body["data"]


def e2e_settings(endpoint: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "endpoint_url": endpoint,
        "access_key_id": "test",
        "secret_access_key": "test",
        "region": "us-east-1",
        "table_name": f"e2e-{uuid.uuid4().hex[:12]}",  # a table of its own: no reset needed
        "aws_max_attempts": 2,
        "retry_base_delay_seconds": 0.005,
        "retry_max_delay_seconds": 0.1,
        "transfer_max_attempts": 30,
        "max_pool_connections": 64,
        # The stream worker writes checkpoints and notifications into the table, which the
        # API tests compare whole; the subscription tests turn it on.
        "serve_stream_worker": False,
        # Tests of everything but identity act as an operator (the explicit opt-out); the
        # access tests (test_access*.py) run with a real issuer instead.
        "auth_disabled": True,
        # Every test shares 127.0.0.1 and one principal; the limits tests turn them on.
        "rate_limits": False,
    }
    return Settings(**{**values, **overrides})


@pytest.fixture(scope="module")
def api(dynamodb_endpoint: str) -> Iterator[Api]:
    settings = e2e_settings(dynamodb_endpoint)
    with serving(create_app(settings)) as url:
        yield Api(url, settings)


@pytest.fixture
def uid() -> Callable[[str], str]:
    """Fresh account ids per test, so tests share the module's server and table safely."""
    prefix = uuid.uuid4().hex[:8]
    return lambda name: f"{name}-{prefix}"
