"""The hash chain across batches and reversals: each posting's entry links to its account's
head in version order, the account's head moves in the same transaction, and verification
finds nothing wrong (issue 13 acceptance 3, extended by issue 11)."""

from __future__ import annotations

from services import Ledger
from services.domain.movements import TransferLeg
from services.integrity.chain import Digest


async def test_batches_and_reversals_extend_every_accounts_chain(ledger: Ledger) -> None:
    await ledger.create_account_with_balance("payer", "100.00")
    await ledger.create_account_with_balance("shop", "0")
    await ledger.create_account_with_balance("fees", "0")
    before = await ledger.get_account("payer")
    assert before.head_hash is not None
    batch = await ledger.post_transfers(
        [
            TransferLeg("payer", "shop", "30.00"),
            TransferLeg("shop", "fees", "0.90"),
            TransferLeg("payer", "fees", "1.00"),
        ],
        idempotency_key="chain-batch",
    )
    await ledger.reverse_transfer(batch.transfers[0].id, "10.00", idempotency_key="chain-rev")
    await ledger.transfer_credits("shop", "payer", "5.00", idempotency_key="chain-after")
    assert ledger.integrity is not None
    for account_id in ("payer", "shop", "fees"):
        verified = await ledger.integrity.verify_account(account_id)
        assert verified.ok, (account_id, verified.problems)
        assert verified.account.head_hash is not None
        assert verified.summary.entries >= 2
    # The payer's earlier digest is still extended by today's history.
    old = Digest(before.version, before.head_hash)
    assert (await ledger.integrity.verify_history("payer", old.version, old.hash)).extends
