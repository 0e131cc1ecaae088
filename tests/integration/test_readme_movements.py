"""The README's money-movement example runs as written."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest

from services import Ledger
from tests.support.readme import run_money_movement_examples

README = Path(__file__).resolve().parents[2] / "README.md"


async def test_money_movement_example_runs(
    ledger: Ledger, capsys: pytest.CaptureFixture[str]
) -> None:
    section = README.read_text().split("## Money movement", 1)[1]
    block = re.search(r"```python\n(.*?)```", section, re.DOTALL)
    assert block is not None
    namespace: dict[str, object] = {}
    exec(block.group(1), namespace)  # noqa: S102 - the README's own example
    await namespace["deposits_and_withdrawals"](ledger)  # type: ignore[operator]
    assert capsys.readouterr().out.strip() == "[Decimal('30.00'), Decimal('0.90')]"
    assert await ledger.inquire_balance("bank:settlement") == Decimal("-210.00")
    assert await ledger.inquire_balance("alice") == Decimal("180.00")


async def test_hold_example_runs(ledger: Ledger, capsys: pytest.CaptureFixture[str]) -> None:
    await run_money_movement_examples(ledger)
    assert capsys.readouterr().out.strip().splitlines()[-1] == "POSTED 12.50"
    alice = await ledger.get_account("alice")
    assert (alice.balance, alice.available_balance) == (Decimal("167.50"), Decimal("167.50"))
    assert await ledger.inquire_balance("shop") == Decimal("41.60")
