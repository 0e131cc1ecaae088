"""For the tests that keep a framework class's state in slots: a subclass that records the
instances it makes, and the check that none of them grew an instance dict."""

from __future__ import annotations

from typing import Any, TypeVar

T = TypeVar("T")


def recording(cls: type[T], seen: list[T]) -> type[T]:
    """A subclass of `cls` (slots, none of its own) that appends each instance to `seen`."""

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        cls.__init__(self, *args, **kwargs)  # type: ignore[misc]
        seen.append(self)

    return type(f"Recorded{cls.__name__}", (cls,), {"__slots__": (), "__init__": __init__})


def assert_all_in_slots(instance: object, where: str) -> None:
    """`instance` set no attribute outside its class's slots (`where`: the list to extend)."""
    assert vars(instance) == {}, f"not in {where}: {sorted(vars(instance))}"
