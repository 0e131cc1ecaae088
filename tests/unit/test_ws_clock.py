"""SocketClock: one task pings every acknowledged socket and closes the uninitialised ones."""

from __future__ import annotations

import asyncio

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
