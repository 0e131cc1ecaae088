from __future__ import annotations

import asyncio

import pytest

from services.ledger.locks import KeyedLocks, QueueFull


async def test_same_key_is_serialized() -> None:
    locks = KeyedLocks()
    inside = 0
    most_inside = 0

    async def hold(keys: tuple[str, ...]) -> None:
        nonlocal inside, most_inside
        async with locks.hold(keys):
            inside += 1
            most_inside = max(most_inside, inside)
            await asyncio.sleep(0.001)
            inside -= 1

    await asyncio.gather(*(hold(("a", f"other-{i}")) for i in range(10)))
    assert most_inside == 1


async def test_different_keys_do_not_wait_for_each_other() -> None:
    locks = KeyedLocks()
    both_inside = asyncio.Event()
    arrived = 0

    async def hold(key: str) -> None:
        nonlocal arrived
        async with locks.hold([key]):
            arrived += 1
            if arrived == 2:
                both_inside.set()
            await asyncio.wait_for(both_inside.wait(), timeout=1)

    await asyncio.gather(hold("a"), hold("b"))
    assert both_inside.is_set()


async def test_opposite_orders_do_not_deadlock() -> None:
    locks = KeyedLocks()
    done: list[str] = []

    async def hold(keys: tuple[str, str]) -> None:
        async with locks.hold(keys):
            await asyncio.sleep(0)
            done.append("".join(keys))

    pairs = [("a", "b"), ("b", "a")] * 20
    await asyncio.wait_for(asyncio.gather(*(hold(pair) for pair in pairs)), timeout=2)
    assert len(done) == 40


async def test_repeated_key_in_one_call_does_not_deadlock() -> None:
    locks = KeyedLocks()
    async with asyncio.timeout(1), locks.hold(["a", "a"]):
        pass


async def test_locks_are_forgotten_when_released() -> None:
    locks = KeyedLocks()
    async with locks.hold(["a", "b"]):
        assert set(locks._locks) == {"a", "b"}
    await asyncio.gather(*(_briefly(locks, f"k{i % 3}") for i in range(30)))
    assert locks._locks == {}
    assert locks._users == {}


async def test_locks_are_forgotten_when_a_waiter_is_cancelled() -> None:
    locks = KeyedLocks()
    async with locks.hold(["a"]):
        waiter = asyncio.create_task(_briefly(locks, "a"))
        await asyncio.sleep(0.01)
        waiter.cancel()
        await asyncio.gather(waiter, return_exceptions=True)
    assert locks._locks == {}
    assert locks._users == {}


async def test_an_error_inside_releases_the_lock() -> None:
    locks = KeyedLocks()
    with pytest.raises(RuntimeError, match="boom"):
        async with locks.hold(["a"]):
            raise RuntimeError("boom")
    async with asyncio.timeout(1), locks.hold(["a"]):
        pass
    assert locks._locks == {}


async def _briefly(locks: KeyedLocks, key: str) -> None:
    async with locks.hold([key]):
        await asyncio.sleep(0.001)


async def test_a_full_queue_refuses_at_once_and_forgets_nothing() -> None:
    locks = KeyedLocks(max_waiting=2)
    release = asyncio.Event()
    entered: list[int] = []

    async def hold(n: int, keys: tuple[str, ...]) -> None:
        async with locks.hold(keys):
            entered.append(n)
            await release.wait()

    # One holder and two waiters on "hot"; the fourth is refused without waiting, and the
    # lock it took first ("a" sorts before "hot") is released again.
    tasks = [asyncio.create_task(hold(n, ("hot",))) for n in range(3)]
    await asyncio.sleep(0)
    with pytest.raises(QueueFull) as refused:
        await asyncio.wait_for(hold(3, ("a", "hot")), timeout=1)
    assert refused.value.key == "hot"
    async with locks.hold(["a"]):
        pass
    release.set()
    await asyncio.gather(*tasks)
    assert sorted(entered) == [0, 1, 2]
    async with locks.hold(["hot"]):  # drained: accepted again, and nothing is left behind
        pass
    assert locks._locks == {}
