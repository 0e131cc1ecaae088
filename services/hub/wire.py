"""BalanceChanged to and from JSON text, for carrying events between processes (Redis).

The entry travels in the table's own attribute-value form, so numbers stay exact strings.
"""

from __future__ import annotations

import json

from services.domain.events import BalanceChanged
from services.dynamo import items as codec


def dumps(event: BalanceChanged) -> str:
    return json.dumps(codec.entry_item(event.entry), separators=(",", ":"))


def loads(text: str | bytes) -> BalanceChanged:
    """Raises ValueError (or KeyError) for text that is not an encoded BalanceChanged."""
    return BalanceChanged(codec.entry_from_item(json.loads(text)))
