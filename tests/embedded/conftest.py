"""Two endpoints side by side: the project's embedded one and plain moto, same version.

Each regression scenario runs on both: it must pass on the embedded endpoint and is expected to
fail on plain moto (marked `plain_moto` and xfail), which proves the fix is needed and present.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.config import Config

from embedded_dynamodb import reset
from services.dynamo.table import STREAM, TABLE_SHAPE


def client(url: str, service: str = "dynamodb") -> Any:
    return boto3.client(
        service,  # type: ignore[call-overload]
        endpoint_url=url,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
        config=Config(retries={"mode": "standard", "max_attempts": 1}, max_pool_connections=64),
    )


def create_table(url: str) -> str:
    """A ledger-shaped table (PK/SK strings, NEW_AND_OLD_IMAGES stream) with a fresh name."""
    name = f"t{uuid.uuid4().hex[:12]}"
    client(url).create_table(TableName=name, **TABLE_SHAPE, StreamSpecification=STREAM)
    return name


@pytest.fixture
def embedded(dynamodb_endpoint: str) -> str:
    reset(dynamodb_endpoint)
    return dynamodb_endpoint


@pytest.fixture(scope="session")
def plain_moto() -> Iterator[str]:
    """Unpatched moto's threaded server in this process (the patches live only in the child)."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()
