"""How many graphql-transport-ws operations a process starts at once: the setting, through
TransportLimits, to the view's gate (graph.push holds operations to it while they start:
tests/graph/test_push.py; a real server with one start at a time:
tests/e2e/test_transport_limits.py)."""

from __future__ import annotations

import asyncio

import pytest
from pydantic import ValidationError

from entrypoints.graphql_http import LedgerGraphQL
from entrypoints.graphql_ws import operation_starts_of
from entrypoints.transport import TransportLimits
from resolvers.schema import build_schema
from services.settings import Settings


def test_sixteen_by_default() -> None:
    assert Settings.model_construct().ws_max_operation_starts == 16
    assert TransportLimits().max_operation_starts == 16


@pytest.mark.parametrize("value", [0, -1, "many", 1.5])
def test_fewer_than_one_or_not_a_count_is_refused(value: object) -> None:
    with pytest.raises(ValidationError, match="ws_max_operation_starts"):
        Settings(ws_max_operation_starts=value)


async def test_the_view_gives_exactly_as_many_slots_as_the_setting() -> None:
    settings = Settings.model_construct(ws_max_operation_starts=3)
    view = LedgerGraphQL(build_schema(settings), limits=TransportLimits.from_settings(settings))
    gate = operation_starts_of(view)
    for _ in range(3):
        await asyncio.wait_for(gate.acquire(), 1)
    assert gate.locked()  # a fourth waits
