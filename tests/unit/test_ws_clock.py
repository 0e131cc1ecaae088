"""SocketClock: one task pings every acknowledged socket and closes the uninitialised ones."""

from __future__ import annotations

import asyncio
from collections import Counter

from entrypoints.ws_clock import SocketClock


class FakeSocket:
    def __init__(self, *, initialised: bool, broken: bool = False) -> None:
        self.initialised = initialised
        self.broken = broken
        self.pings = 0
        self.timed_out = False

    def is_initialised(self) -> bool:
        return self.initialised

    def wants_ping(self) -> bool:
        return self.initialised

    async def ping(self) -> None:
        if self.broken:
            raise RuntimeError("socket closing")
        self.pings += 1

    async def init_timed_out(self) -> None:
        self.timed_out = True


async def test_one_task_pings_every_ready_socket_and_times_out_the_silent() -> None:
    clock = SocketClock(keep_alive_seconds=0.05, init_timeout_seconds=0.12)
    ready = [FakeSocket(initialised=True) for _ in range(300)]
    broken, silent = FakeSocket(initialised=True, broken=True), FakeSocket(initialised=False)
    for socket in [*ready, broken, silent]:
        clock.add(socket)
    tasks_with_clock = len(asyncio.all_tasks())
    for _ in range(500):  # two rounds of pings: 0.1 s unloaded, up to 5 s on a busy machine
        if all(socket.pings >= 2 for socket in ready) and silent.timed_out:
            break
        await asyncio.sleep(0.01)
    assert all(socket.pings >= 2 for socket in ready)
    assert silent.timed_out
    assert silent.pings == 0
    assert len(asyncio.all_tasks()) <= tasks_with_clock  # no task per socket
    for socket in [*ready, broken, silent]:
        clock.discard(socket)
    await asyncio.sleep(0.01)
    assert len(clock) == 0
    assert not [t for t in asyncio.all_tasks() if t.get_name() == "ws-clock"]


async def test_a_socket_that_initialises_in_time_is_never_closed() -> None:
    clock = SocketClock(keep_alive_seconds=None, init_timeout_seconds=0.05)
    socket = FakeSocket(initialised=False)
    clock.add(socket)
    socket.initialised = True
    await asyncio.sleep(0.1)
    assert not socket.timed_out
    assert socket.pings == 0  # no keep-alive configured
    clock.discard(socket)
    await clock.aclose()


async def test_a_later_socket_with_an_earlier_deadline_wakes_the_clock() -> None:
    clock = SocketClock(keep_alive_seconds=10.0, init_timeout_seconds=0.05)
    first = FakeSocket(initialised=True)
    clock.add(first)
    await asyncio.sleep(0.08)  # the clock now sleeps towards the ping in 10 s
    late = FakeSocket(initialised=False)
    clock.add(late)
    for _ in range(300):  # well before the ping in 10 s
        if late.timed_out:
            break
        await asyncio.sleep(0.01)
    assert late.timed_out
    await clock.aclose()


async def test_a_round_of_pings_leaves_the_loop_to_others_between_small_chunks() -> None:
    """10,000 sockets' pings sent at once held the loop for half a second: a delivery waited
    behind them. A round now goes out at most 32 at a time, spaced out within half the
    interval, and skips a socket closed meanwhile."""
    clock = SocketClock(keep_alive_seconds=0.4, init_timeout_seconds=60)
    turns = 0  # how many times the other work has run so far
    pinged_at_turn: list[int] = []
    round_began = asyncio.Event()

    class Counted(FakeSocket):
        async def ping(self) -> None:
            pinged_at_turn.append(turns)
            round_began.set()
            await super().ping()

    sockets = [Counted(initialised=True) for _ in range(640)]
    closed_meanwhile = sockets[-1]

    async def other_work() -> None:
        nonlocal turns
        while True:
            turns += 1
            await asyncio.sleep(0)

    working = asyncio.create_task(other_work())
    try:
        for socket in sockets:
            clock.add(socket)
        await asyncio.wait_for(round_began.wait(), 5)
        clock.discard(closed_meanwhile)
        started = asyncio.get_running_loop().time()
        for _ in range(500):
            if all(socket.pings for socket in sockets[:-1]):
                break
            await asyncio.sleep(0.01)
        spread = asyncio.get_running_loop().time() - started
    finally:
        working.cancel()
        for socket in sockets:
            clock.discard(socket)
    assert all(socket.pings == 1 for socket in sockets[:-1])
    assert closed_meanwhile.pings == 0
    assert max(Counter(pinged_at_turn).values()) <= 32
    assert spread >= 0.9 * 19 * 0.01  # twenty chunks, a pause of 10 ms between two
