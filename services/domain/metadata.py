"""Metadata: a caller's labels on accounts, transfers and batches, bounded before any I/O.

An object of string values: at most MAX_KEYS keys of 1-64 letters, digits or `_.:-`, values
of at most MAX_VALUE_LENGTH printable characters, MAX_TOTAL_LENGTH characters in all.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from services.domain.errors import InvalidInput

MAX_KEYS = 16
MAX_VALUE_LENGTH = 256
MAX_TOTAL_LENGTH = 2048
KEY_PATTERN = re.compile(r"[A-Za-z0-9_.:-]{1,64}")


def metadata(value: object, *, field: str = "metadata") -> dict[str, str]:
    """A checked copy of `value` (None: empty). Raises InvalidInput."""
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise InvalidInput(f"{field} must be an object of string values", field=field)
    if len(value) > MAX_KEYS:
        raise InvalidInput(f"{field} may hold at most {MAX_KEYS} keys", field=field)
    total = 0
    checked: dict[str, str] = {}
    for key, text in value.items():
        if not isinstance(key, str) or KEY_PATTERN.fullmatch(key) is None:
            raise InvalidInput(f"{field} keys must be 1-64 letters, digits or _.:-", field=field)
        if not isinstance(text, str) or len(text) > MAX_VALUE_LENGTH or not text.isprintable():
            raise InvalidInput(
                f"{field} values must be strings of at most {MAX_VALUE_LENGTH} printable "
                "characters",
                field=field,
            )
        total += len(key) + len(text)
        checked[key] = text
    if total > MAX_TOTAL_LENGTH:
        raise InvalidInput(
            f"{field} may hold at most {MAX_TOTAL_LENGTH} characters in all", field=field
        )
    return dict(sorted(checked.items()))
