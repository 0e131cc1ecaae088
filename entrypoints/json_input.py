"""Request JSON as the views read it: anything unreadable is the client's mistake.

`json.loads` raises more than JSONDecodeError on hostile input: ValueError for an integer of
more than 4,300 digits, RecursionError for deep nesting, UnicodeDecodeError for bytes that
are not UTF-8; and a body that is valid JSON but not an object (`42`) makes Strawberry fail
with AttributeError. Each of these became a 500 with a traceback. Here every one is a
JSONDecodeError, which the HTTP view answers with 400 and a websocket with close code 4400.
"""

from __future__ import annotations

import json


def decode_request_json(data: str | bytes) -> object:
    """A JSON object (or a list: a batch, which the view refuses on its own).
    Raises JSONDecodeError for anything else."""
    try:
        value = json.loads(data)
    except (ValueError, RecursionError) as error:
        raise json.JSONDecodeError(f"unreadable JSON ({type(error).__name__})", "", 0) from None
    if not isinstance(value, (dict, list)):
        raise json.JSONDecodeError("a GraphQL request is a JSON object", "", 0)
    return value
