"""OperationHooks: the schema's on_operation hooks entered and left by hand, as an exit stack
would (last entered first; an error raised while leaving reaches the hooks left after it)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Iterator
from typing import Any, NamedTuple

import pytest

from graph.push import OperationHooks


class Hook(NamedTuple):
    extension: Any
    hook: Any
    is_async: bool


class Manager:
    def __init__(self, *hooks: Hook) -> None:
        self.hooks = list(hooks)


def recorded(log: list[str], name: str, *, fail_on_leave: bool = False) -> Hook:
    @contextlib.contextmanager
    def hook() -> Iterator[None]:
        log.append(f"enter {name}")
        try:
            yield
        except Exception as error:
            log.append(f"{name} saw {error}")
            raise
        finally:
            log.append(f"leave {name}")
        if fail_on_leave:
            raise RuntimeError(f"{name} failed")

    return Hook(None, hook, False)


def recorded_async(log: list[str], name: str) -> Hook:
    @contextlib.asynccontextmanager
    async def hook() -> AsyncIterator[None]:
        log.append(f"enter {name}")
        try:
            yield
        finally:
            log.append(f"leave {name}")

    return Hook(None, hook, True)


async def test_hooks_are_left_last_entered_first() -> None:
    log: list[str] = []
    hooks = await OperationHooks.enter(
        Manager(recorded(log, "a"), recorded_async(log, "b"), recorded(log, "c"))  # type: ignore[arg-type]
    )
    assert log == ["enter a", "enter b", "enter c"]
    await hooks.leave()
    assert log[3:] == ["leave c", "leave b", "leave a"]
    await hooks.leave()  # a second time: nothing left to leave
    assert len(log) == 6


async def test_an_error_leaving_one_hook_reaches_the_next_and_is_raised() -> None:
    log: list[str] = []
    hooks = await OperationHooks.enter(
        Manager(recorded(log, "outer"), recorded(log, "inner", fail_on_leave=True))  # type: ignore[arg-type]
    )
    with pytest.raises(RuntimeError, match="inner failed"):
        await hooks.leave()
    assert log[2:] == ["leave inner", "outer saw inner failed", "leave outer"]


async def test_a_hook_failing_to_enter_leaves_those_entered() -> None:
    log: list[str] = []

    @contextlib.contextmanager
    def broken() -> Iterator[None]:
        raise ValueError("no")
        yield  # pragma: no cover

    with pytest.raises(ValueError, match="no"):
        await OperationHooks.enter(Manager(recorded(log, "a"), Hook(None, broken, False)))  # type: ignore[arg-type]
    assert log == ["enter a", "a saw no", "leave a"]
