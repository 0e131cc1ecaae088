from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Iterator
from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

from services.domain.model import Direction, Entry, Transfer
from services.integrity.chain import LinkedEntry
from services.integrity.problems import Problem, ProblemKind, VerificationSummary
from services.integrity.transfers import check_transfer
from services.integrity.verify import AccountHead, verify_account, verify_entries
from tests.integrity.builders import START, history, rechain

K = ProblemKind


def found(head: AccountHead, entries: Iterable[LinkedEntry]) -> set[tuple[ProblemKind, int | None]]:
    return {(p.kind, p.version) for p in verify_entries(head, entries)}


def test_a_clean_history_has_no_problems() -> None:
    head, entries = history(count=50)
    summary = VerificationSummary()
    assert list(verify_entries(head, entries, summary)) == []
    assert (summary.ok, summary.accounts, summary.entries) == (True, 1, 50)
    assert summary.render() == "1 accounts, 50 entries, 0 transfers checked: no problems"


def test_an_empty_account_verifies_against_its_genesis() -> None:
    head, _ = history(count=0)
    assert found(head, []) == set()
    assert found(replace(head, hash="0" * 64), []) == {(K.HEAD_HASH_MISMATCH, 0)}


def test_changed_amount_is_named_at_its_version() -> None:
    head, entries = history()
    entries[4] = replace(entries[4], amount=entries[4].amount + Decimal("0.01"))
    assert found(head, entries) == {
        (K.HASH_MISMATCH, 5),
        (K.BALANCE_MISMATCH, 5),
        (K.HEAD_BALANCE_MISMATCH, 10),
    }


def test_deleted_entry_is_a_gap_at_its_version() -> None:
    head, entries = history()
    problems = list(verify_entries(head, entries[:4] + entries[5:]))
    assert {(p.kind, p.version) for p in problems} == {
        (K.VERSION_GAP, 5),
        (K.HEAD_BALANCE_MISMATCH, 10),
    }
    assert problems[0].message == "version 5 missing: version 6 follows 4"


def test_deleted_last_entries_leave_the_head_ahead() -> None:
    head, entries = history()
    assert found(head, entries[:8]) == {
        (K.HEAD_VERSION_MISMATCH, 10),
        (K.HEAD_BALANCE_MISMATCH, 10),
    }


def test_changed_account_balance_is_a_head_problem() -> None:
    head, entries = history()
    problems = list(verify_entries(replace(head, balance=head.balance + 1), entries))
    assert [(p.kind, p.version) for p in problems] == [(K.HEAD_BALANCE_MISMATCH, 10)]
    assert str(problems[0]) == (
        "alice v10: HEAD_BALANCE_MISMATCH: account balance 27.00 but its entries sum to 26.00"
    )


def test_changed_entry_balance_is_named_with_the_next_entry_it_breaks() -> None:
    head, entries = history()
    entries[4] = replace(entries[4], balance_after=entries[4].balance_after + 100)
    assert found(head, entries) == {
        (K.HASH_MISMATCH, 5),
        (K.BALANCE_MISMATCH, 5),
        (K.BALANCE_MISMATCH, 6),
    }


def _swap(entries: list[LinkedEntry], i: int, j: int, *, with_hashes: bool) -> None:
    first, second = entries[i], entries[j]
    keep = ("version",) if with_hashes else ("version", "hash", "previous_hash")
    entries[i] = replace(second, **{name: getattr(first, name) for name in keep})
    entries[j] = replace(first, **{name: getattr(second, name) for name in keep})


def test_swapped_contents_are_named_at_both_versions() -> None:
    head, entries = history()
    _swap(entries, 2, 6, with_hashes=False)
    problems = found(head, entries)
    assert {(K.HASH_MISMATCH, 3), (K.HASH_MISMATCH, 7)} <= problems
    assert {version for _, version in problems} <= {3, 4, 7, 8}


def test_swapped_items_with_their_hashes_are_named_at_both_versions() -> None:
    head, entries = history()
    _swap(entries, 2, 6, with_hashes=True)
    problems = found(head, entries)
    assert {
        (K.HASH_MISMATCH, 3),
        (K.PREVIOUS_HASH_MISMATCH, 3),
        (K.HASH_MISMATCH, 7),
        (K.PREVIOUS_HASH_MISMATCH, 7),
    } <= problems
    assert {version for _, version in problems} <= {3, 4, 7, 8}


def test_rewritten_successors_are_caught_by_the_account_head() -> None:
    head, entries = history()
    entries[4] = replace(entries[4], memo="something else")
    problems = list(verify_entries(head, rechain(entries, 4)))
    assert [(p.kind, p.version) for p in problems] == [(K.HEAD_HASH_MISMATCH, 10)]
    assert "history up to version 10 was rewritten" in problems[0].message


def test_rewritten_amounts_balances_and_hashes_still_disagree_with_the_head() -> None:
    head, entries = history()
    # Version 5 is a debit: one more out, and every balance from there on one lower. The forger
    # fixes every later balance too, and every link, but cannot touch the account head.
    entries = [
        replace(e, amount=e.amount + (e.version == 5), balance_after=e.balance_after - 1)
        if e.version >= 5
        else e
        for e in entries
    ]
    assert found(head, rechain(entries, 4)) == {
        (K.HEAD_HASH_MISMATCH, 10),
        (K.HEAD_BALANCE_MISMATCH, 10),
    }


def test_entry_level_rules() -> None:
    head, entries = history()
    bad = list(entries)
    bad[1] = replace(bad[1], hash=None)
    bad[2] = replace(bad[2], account_id="mallory")
    bad[3] = replace(bad[3], currency="EUR")
    bad[5] = replace(bad[5], created_at=START - timedelta(days=1))
    bad[7] = replace(bad[7], amount=Decimal("8.251"))
    problems = found(head, bad)
    assert {
        (K.MISSING_HASH, 2),
        (K.ACCOUNT_MISMATCH, 3),
        (K.CURRENCY_MISMATCH, 4),
        (K.TIMESTAMP_ORDER, 6),
        (K.MALFORMED_ENTRY, 8),
    } <= problems


def test_timestamps_must_not_decrease_even_when_rehashed() -> None:
    head, entries = history()
    entries[5] = replace(entries[5], created_at=START)
    entries = rechain(entries, 5)
    assert found(replace(head, hash=entries[-1].hash), entries) == {(K.TIMESTAMP_ORDER, 6)}


def test_a_replayed_entry_is_out_of_order() -> None:
    head, entries = history()
    assert found(head, [*entries[:5], entries[3], *entries[5:]]) == {(K.VERSION_ORDER, 4)}


async def test_async_stream_finds_the_same_problems() -> None:
    head, entries = history()
    entries[4] = replace(entries[4], amount=entries[4].amount + 1)

    async def stream() -> AsyncIterator[LinkedEntry]:
        for item in entries:
            yield item

    summary = VerificationSummary()
    problems = [p async for p in verify_account(head, stream(), summary)]
    assert problems == list(verify_entries(head, entries))
    assert summary.render() == (
        "1 accounts, 10 entries, 0 transfers checked: 3 problems "
        "(BALANCE_MISMATCH 1, HASH_MISMATCH 1, HEAD_BALANCE_MISMATCH 1)"
    )


TRANSFER = Transfer(
    id="T1",
    from_account_id="alice",
    to_account_id="bob",
    amount=Decimal("10.00"),
    currency="USD",
    created_at=START,
    memo="rent",
)


def _sides() -> tuple[Entry, Entry]:
    common = {"transfer_id": "T1", "amount": Decimal("10.00"), "currency": "USD"}
    debit = Entry(
        id="D",
        account_id="alice",
        counterparty_id="bob",
        direction=Direction.DEBIT,
        balance_after=Decimal(0),
        version=3,
        created_at=START,
        memo="rent",
        **common,  # type: ignore[arg-type]
    )
    credit = replace(
        debit,
        id="C",
        account_id="bob",
        counterparty_id="alice",
        direction=Direction.CREDIT,
        version=7,
    )
    return debit, credit


def kinds(problems: list[Problem]) -> set[tuple[ProblemKind, str, int | None]]:
    return {(p.kind, p.account_id, p.version) for p in problems}


def test_a_transfer_agreeing_with_its_entries() -> None:
    assert check_transfer(TRANSFER, _sides()) == []


def test_transfer_amount_disagreement_and_imbalance() -> None:
    debit, credit = _sides()
    problems = check_transfer(TRANSFER, [debit, replace(credit, amount=Decimal("10.01"))])
    assert kinds(problems) == {
        (K.TRANSFER_MISMATCH, "bob", 7),
        (K.TRANSFER_UNBALANCED, "alice", 3),
    }
    assert "amount 10.01 but transfer T1 has 10.00" in problems[0].message


def test_transfer_account_and_currency_disagreement() -> None:
    debit, credit = _sides()
    problems = check_transfer(
        TRANSFER, [replace(debit, currency="EUR"), replace(credit, counterparty_id="carol")]
    )
    assert kinds(problems) == {(K.TRANSFER_MISMATCH, "alice", 3), (K.TRANSFER_MISMATCH, "bob", 7)}


def test_transfer_missing_and_extra_entries() -> None:
    debit, credit = _sides()
    stray = replace(credit, account_id="carol", version=2)
    assert kinds(check_transfer(TRANSFER, [debit, stray])) == {
        (K.TRANSFER_ENTRY_MISSING, "bob", None),
        (K.TRANSFER_ENTRY_EXTRA, "carol", 2),
    }


def test_problems_stream_out_before_the_history_is_read() -> None:
    head, entries = history(count=100)
    entries[1] = replace(entries[1], memo="changed")
    pulled: list[int] = []

    def source() -> Iterator[LinkedEntry]:
        for item in entries:
            pulled.append(item.version)
            yield item

    first = next(verify_entries(head, source()))
    assert (first.kind, first.version, len(pulled)) == (K.HASH_MISMATCH, 2, 2)
