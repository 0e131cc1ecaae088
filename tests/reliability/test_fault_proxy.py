"""The fault proxy does what the reliability scenarios rely on: each fault, seen from both sides."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import aioboto3
import pytest
from aiobotocore.config import AioConfig
from botocore.exceptions import ClientError, ConnectionClosedError, EndpointConnectionError

from tests.support.fault_proxy import Fault, FaultPlan, FaultProxy

TABLE: dict[str, Any] = {
    "KeySchema": [{"AttributeName": "PK", "KeyType": "HASH"}],
    "AttributeDefinitions": [{"AttributeName": "PK", "AttributeType": "S"}],
    "BillingMode": "PAY_PER_REQUEST",
}


@asynccontextmanager
async def client(url: str) -> AsyncIterator[Any]:
    session = aioboto3.Session(
        aws_access_key_id="test", aws_secret_access_key="test", region_name="us-east-1"
    )
    config = AioConfig(retries={"mode": "standard", "max_attempts": 0})  # no retry: one request
    async with session.client("dynamodb", endpoint_url=url, config=config) as dynamodb:
        yield dynamodb


async def tables(endpoint: str) -> list[str]:
    async with client(endpoint) as direct:
        return list((await direct.list_tables())["TableNames"])


@pytest.mark.parametrize(
    ("plan", "created", "error"),
    [
        (FaultPlan(), True, None),
        (FaultPlan(reset_before=1.0), False, (EndpointConnectionError, ConnectionClosedError)),
        (FaultPlan(drop_response=1.0), True, (EndpointConnectionError, ConnectionClosedError)),
        (FaultPlan(throttle=1.0), False, ClientError),
        (FaultPlan(delay=1.0, delay_seconds=0.01), True, None),
    ],
)
async def test_each_fault_as_the_client_and_dynamodb_see_it(
    dynamodb_endpoint: str, plan: FaultPlan, created: bool, error: Any
) -> None:
    name = f"fault-{uuid.uuid4().hex[:8]}"
    proxy = FaultProxy(dynamodb_endpoint, plan)
    with proxy as url:
        async with client(url) as dynamodb:
            if error is None:
                await dynamodb.create_table(TableName=name, **TABLE)
            else:
                with pytest.raises(error) as raised:
                    await dynamodb.create_table(TableName=name, **TABLE)
                if error is ClientError:
                    assert raised.value.response["Error"]["Code"] == "ThrottlingException"
    assert (name in await tables(dynamodb_endpoint)) is created
    assert sum(proxy.counts.values()) == 1


async def test_faults_only_the_named_operations(dynamodb_endpoint: str) -> None:
    proxy = FaultProxy(dynamodb_endpoint, FaultPlan(throttle=1.0, targets=frozenset({"PutItem"})))
    with proxy as url:
        async with client(url) as dynamodb:
            for _ in range(3):
                await dynamodb.list_tables()
    assert proxy.counts == {Fault.PASS: 3}
