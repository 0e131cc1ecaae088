"""Media type negotiation for GraphQL over HTTP, and the committed schema file."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from entrypoints.export_schema import schema_sdl
from entrypoints.http_media import GRAPHQL_RESPONSE_JSON, negotiate
from graph.types import EntryDirection
from services import Direction
from services import ErrorCode as DomainErrorCode

JSON = "application/json"
SCHEMA_FILE = Path(__file__).resolve().parents[2] / "schema.graphql"


@pytest.mark.parametrize(
    ("accept", "chosen"),
    [
        (None, JSON),
        ("", JSON),
        ("*/*", JSON),
        ("application/json", JSON),
        ("application/graphql-response+json", GRAPHQL_RESPONSE_JSON),
        ("application/graphql-response+json, application/json;q=0.9", GRAPHQL_RESPONSE_JSON),
        ("application/json, application/graphql-response+json;q=0.5", JSON),
        ("application/graphql-response+json;charset=utf-8", GRAPHQL_RESPONSE_JSON),
        ("Application/GraphQL-Response+JSON", GRAPHQL_RESPONSE_JSON),
        ("application/graphql-response+json;q=0", JSON),
        ("text/html", JSON),
    ],
)
def test_negotiate(accept: str | None, chosen: str) -> None:
    assert negotiate(accept) == chosen


def test_schema_file_is_up_to_date() -> None:
    assert SCHEMA_FILE.read_text("utf-8") == schema_sdl(), (
        "schema.graphql is stale: run `make schema` and commit it"
    )


def test_enums_mirror_the_domain() -> None:
    error_codes = re.search(r"enum ErrorCode \{(.*?)\}", schema_sdl(), re.DOTALL)
    assert error_codes is not None
    assert error_codes.group(1).split() == [c.value for c in DomainErrorCode]
    assert {d.value for d in EntryDirection} == {d.value for d in Direction}
