"""The service's DynamoDB client over HTTP: requests still carry botocore's User-Agent, built
once per request instead of twice (services/dynamo/client.build_user_agent_once)."""

from __future__ import annotations

from contextlib import AsyncExitStack
from typing import Any

import pytest
from botocore.useragent import UserAgentString

from services.dynamo.client import make_session, open_dynamodb
from services.settings import Settings


async def test_requests_carry_a_user_agent_built_once(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    builds: list[str] = []
    original = UserAgentString.to_string

    def counted(self: UserAgentString) -> str:
        built: str = original(self)
        builds.append(built)
        return built

    monkeypatch.setattr(UserAgentString, "to_string", counted)
    sent: list[str] = []

    def capture(request: Any, **_: Any) -> None:
        sent.append(request.headers["User-Agent"].decode())

    async with AsyncExitStack() as stack:
        client: Any = await open_dynamodb(stack, make_session(settings), settings)
        client.meta.events.register("before-send.dynamodb", capture)
        await client.list_tables()
        builds.clear()
        sent.clear()
        for _ in range(3):
            await client.list_tables()
    assert len(sent) == 3
    assert all("botocore/" in agent.lower() and " m/" in agent for agent in sent), sent
    assert len(builds) == 3  # one per request: the rebuild before sending is gone
