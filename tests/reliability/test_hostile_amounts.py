"""Defect 11: an exponent-form amount is refused in constant time, before any work.

"1e-999999999999" is a valid Decimal of 1 digit, but formatting it in fixed point (the
idempotency fingerprint, the stored item) builds a string of a trillion characters. Each case
runs in a child process with 512 MB of address space and a few seconds: the refusal must be
InvalidAmount there, not MemoryError, an OOM kill or a timeout."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

HOSTILE = [
    "1e-999999999999",
    "0e-999999999999",
    "1E-99999999",
    "0E+999999999999",
    "0." + "0" * 200_000 + "1",
    "1" + "0" * 200_000,
]

SCRIPT = textwrap.dedent(
    """
    import asyncio, resource, sys
    from decimal import Decimal
    resource.setrlimit(resource.RLIMIT_AS, (512 * 2**20, 512 * 2**20))
    from services.domain.errors import InvalidAmount
    from tests.unit.fakes import FakeLedgerStore
    from tests.unit.test_ledger_retry import make_ledger

    async def main(text, as_decimal):
        ledger = make_ledger(FakeLedgerStore())
        await ledger.create_account_with_balance("alice", "100.00")
        await ledger.create_account_with_balance("bob", "0")
        amount = Decimal(text) if as_decimal else text
        for call in (
            lambda: ledger.transfer_credits("alice", "bob", amount, idempotency_key="k-1"),
            lambda: ledger.create_account_with_balance("carol", amount),
        ):
            try:
                await call()
            except InvalidAmount:
                continue
            sys.exit("accepted")

    asyncio.run(main(sys.stdin.readline().strip(), sys.argv[1] == "decimal"))
    """
)


@pytest.mark.parametrize("as_decimal", [False, True], ids=["text", "decimal"])
@pytest.mark.parametrize("text", HOSTILE, ids=lambda t: t[:16])
def test_hostile_amounts_are_refused_cheaply(text: str, as_decimal: bool) -> None:
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, "decimal" if as_decimal else "text"],
        input=text + "\n",
        capture_output=True,
        text=True,
        timeout=20,
    )
    assert done.returncode == 0, done.stderr[-2000:]
