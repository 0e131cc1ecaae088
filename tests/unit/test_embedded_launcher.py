"""`ledger serve` without a configured DynamoDB, when the embedded extra is not installed."""

from __future__ import annotations

import importlib.util

import pytest

from entrypoints import embedded
from services.settings import Settings


async def test_a_missing_embedded_extra_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    real_find_spec = importlib.util.find_spec

    def without_moto(name: str, package: str | None = None):  # type: ignore[no-untyped-def]
        return None if name == "moto" else real_find_spec(name, package)

    monkeypatch.setattr(embedded.importlib.util, "find_spec", without_moto)
    with pytest.raises(embedded.EmbeddedEndpointMissing, match=r"ledger-service\[embedded\]"):
        async with embedded.embedded_dynamodb(Settings()):
            pass
