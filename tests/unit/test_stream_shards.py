"""Shard order: parents before children, finished shards never again, trimmed ones forgotten."""

from __future__ import annotations

from services.streams.ports import ShardCheckpoint
from services.streams.shards import Shard, finished_and_trimmed, readable_shards


def ids(shards: list[Shard]) -> list[str]:
    return [s.shard_id for s in shards]


def test_children_wait_for_their_parent() -> None:
    shards = [
        Shard("root", None, "100"),
        Shard("left", "root"),
        Shard("right", "root"),
    ]
    assert ids(readable_shards(shards, {})) == ["root"]
    unfinished = {"root": ShardCheckpoint("root", "90")}
    assert ids(readable_shards(shards, unfinished)) == ["root"]
    finished = {"root": ShardCheckpoint("root", "100", finished=True)}
    assert ids(readable_shards(shards, finished)) == ["left", "right"]


def test_a_trimmed_parent_does_not_block_its_child() -> None:
    shards = [Shard("child", "gone-after-24h")]
    assert ids(readable_shards(shards, {})) == ["child"]


def test_a_chain_of_splits_is_read_generation_by_generation() -> None:
    shards = [Shard("a", None, "1"), Shard("b", "a", "2"), Shard("c", "b")]
    done = {"a": ShardCheckpoint("a", "1", True)}
    assert ids(readable_shards(shards, done)) == ["b"]
    done["b"] = ShardCheckpoint("b", "2", True)
    assert ids(readable_shards(shards, done)) == ["c"]


def test_shard_from_description() -> None:
    shard = Shard.from_description(
        {
            "ShardId": "shardId-2",
            "ParentShardId": "shardId-1",
            "SequenceNumberRange": {"StartingSequenceNumber": "5", "EndingSequenceNumber": "9"},
        }
    )
    assert shard == Shard("shardId-2", "shardId-1", "9")


def test_finished_checkpoints_of_trimmed_shards_are_forgotten() -> None:
    shards = [Shard("live", None)]
    checkpoints = {
        "live": ShardCheckpoint("live", "5"),
        "old": ShardCheckpoint("old", "3", finished=True),
        "old-unfinished": ShardCheckpoint("old-unfinished", "3"),
    }
    assert finished_and_trimmed(shards, checkpoints) == ["old"]
