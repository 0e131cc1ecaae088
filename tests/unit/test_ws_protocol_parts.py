"""The two small structures LeanWebSocketProtocol uses instead of asyncio.Queue and Event."""

from __future__ import annotations

import asyncio

import pytest

from entrypoints.ws_protocol import MessageQueue, WriteGate


async def test_the_queue_is_fifo_and_a_get_waits_for_a_put() -> None:
    queue = MessageQueue()
    assert queue.empty()
    waiting = asyncio.create_task(queue.get())
    await asyncio.sleep(0)
    assert not waiting.done()
    queue.put_nowait({"type": "websocket.connect"})
    queue.put_nowait({"type": "websocket.receive", "text": "1"})
    queue.put_nowait({"type": "websocket.receive", "text": "2"})
    assert await waiting == {"type": "websocket.connect"}
    assert not queue.empty()
    assert await queue.get() == {"type": "websocket.receive", "text": "1"}
    assert await queue.get() == {"type": "websocket.receive", "text": "2"}
    assert queue.empty()


async def test_a_cancelled_get_leaves_the_queue_usable() -> None:
    queue = MessageQueue()
    waiting = asyncio.create_task(queue.get())
    await asyncio.sleep(0)
    waiting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiting
    queue.put_nowait({"type": "websocket.disconnect", "code": 1000})
    assert await asyncio.wait_for(queue.get(), 1) == {"type": "websocket.disconnect", "code": 1000}


async def test_the_gate_holds_writers_only_while_cleared() -> None:
    gate = WriteGate()
    await asyncio.wait_for(gate.wait(), 1)  # open: no wait
    gate.clear()
    writers = [asyncio.create_task(gate.wait()) for _ in range(3)]
    await asyncio.sleep(0.01)
    assert not any(writer.done() for writer in writers)
    gate.set()
    await asyncio.wait_for(asyncio.gather(*writers), 1)
    await asyncio.wait_for(gate.wait(), 1)


async def test_a_cancelled_writer_does_not_break_the_gate() -> None:
    gate = WriteGate()
    gate.clear()
    cancelled, kept = asyncio.create_task(gate.wait()), asyncio.create_task(gate.wait())
    await asyncio.sleep(0)
    cancelled.cancel()
    await asyncio.sleep(0)
    gate.set()
    await asyncio.wait_for(kept, 1)
    assert cancelled.cancelled()
