from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import replace

import pytest

from services.integrity.chain import Digest, LinkedEntry, genesis
from services.integrity.proof import ProofResult, extends, extends_stream
from tests.integrity.builders import history, rechain

HEAD, ENTRIES = history(count=10)
CURRENT = Digest(HEAD.version, HEAD.hash or "")


def digest_at(version: int, entries: list[LinkedEntry] = ENTRIES) -> Digest:
    stored = entries[version - 1].hash
    assert stored is not None
    return Digest(version, stored)


def from_version(version: int, entries: list[LinkedEntry] = ENTRIES) -> Iterator[LinkedEntry]:
    return iter(entries[max(version, 1) - 1 :])


@pytest.mark.parametrize("version", [0, 1, 3, 9, 10])
def test_current_history_extends_any_earlier_digest(version: int) -> None:
    digest = genesis("alice") if version == 0 else digest_at(version)
    result = extends("alice", digest, CURRENT, from_version(version))
    assert result == ProofResult(True, None, 10 - max(version, 1) + 1)


def test_an_empty_account_extends_its_genesis_without_reads() -> None:
    head, _ = history(count=0)
    empty = Digest(0, head.hash or "")
    assert extends("alice", genesis("alice"), empty, iter([])) == ProofResult(True, None, 0)


def test_a_rewrite_after_the_digest_still_extends_it_but_not_a_later_digest() -> None:
    old_v7 = digest_at(7)
    forged = list(ENTRIES)
    forged[4] = replace(forged[4], memo="forged")
    forged = rechain(forged, 4)
    forged_head = digest_at(10, forged)
    # A client that saw version 3 cannot tell; one that saw version 7 can.
    assert extends("alice", digest_at(3), forged_head, from_version(3, forged)).extends
    refused = extends("alice", old_v7, forged_head, from_version(7, forged))
    assert not refused.extends
    assert str(refused.reason).startswith("version 7 now has hash")


def test_a_tampered_entry_after_the_digest_refuses_and_stops_reading() -> None:
    tampered = list(ENTRIES)
    tampered[5] = replace(tampered[5], memo="changed")
    result = extends("alice", digest_at(3), CURRENT, from_version(3, tampered))
    assert result == ProofResult(False, "version 6 no longer matches its hash", 4)


@pytest.mark.parametrize(
    ("digest", "reason"),
    [
        (Digest(11, "0" * 64), "the digest is at version 11 but the account is at 10"),
        (Digest(3, "not a hash"), "the digest is malformed"),
        (Digest(-1, "0" * 64), "the digest is malformed"),
        (Digest(0, genesis("bob").hash), "the digest at version 0 is not this account's genesis"),
        (Digest(3, "0" * 64), "version 3 now has hash"),
    ],
)
def test_refusals(digest: Digest, reason: str) -> None:
    result = extends("alice", digest, CURRENT, from_version(digest.version))
    assert not result.extends
    assert str(result.reason).startswith(reason)


def test_a_truncated_history_or_a_stale_head_refuses() -> None:
    truncated = extends("alice", digest_at(3), CURRENT, iter(ENTRIES[2:8]))
    assert truncated.reason == "history ends at version 8, the account is at 10"
    stale = extends("alice", digest_at(3), Digest(10, "0" * 64), from_version(3))
    assert stale.reason == "the account head does not match its last entry"
    skipped = extends("alice", digest_at(3), CURRENT, iter(ENTRIES[2:4] + ENTRIES[5:]))
    assert skipped.reason == "expected version 5, found 6"


async def test_async_stream_agrees() -> None:
    async def stream() -> AsyncIterator[LinkedEntry]:
        for item in ENTRIES[2:]:
            yield item

    assert await extends_stream("alice", digest_at(3), CURRENT, stream()) == ProofResult(
        True, None, 8
    )
