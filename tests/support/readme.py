"""The README's money-movement examples, run as written against a ledger."""

from __future__ import annotations

import re
from pathlib import Path

from services import Ledger

README = Path(__file__).resolve().parents[2] / "README.md"


async def run_money_movement_examples(ledger: Ledger) -> None:
    """Deposits and withdrawals, then a hold captured (the section's first two blocks)."""
    section = README.read_text().split("## Money movement", 1)[1].split("\n## ", 1)[0]
    first, second = re.findall(r"```python\n(.*?)```", section, re.DOTALL)[:2]
    namespace: dict[str, object] = {}
    exec(first, namespace)  # noqa: S102 - the README's own examples
    exec(second, namespace)  # noqa: S102
    await namespace["deposits_and_withdrawals"](ledger)  # type: ignore[operator]
    await namespace["hold_then_capture"](ledger)  # type: ignore[operator]
