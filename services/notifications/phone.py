"""Phone numbers in E.164 form (+ and up to 15 digits), as SMS providers want them."""

from __future__ import annotations

import re

_E164 = re.compile(r"\+[1-9][0-9]{1,14}")
_SEPARATORS = re.compile(r"[\s().\-/]")


class InvalidPhoneNumber(ValueError):
    pass


def normalize_e164(number: str) -> str:
    """ "+1 (415) 555-0100" and "0014155550100" become "+14155550100".

    Raises InvalidPhoneNumber when no country code can be read from the number.
    """
    compact = _SEPARATORS.sub("", number.strip())
    if compact.startswith("00"):
        compact = "+" + compact[2:]
    if _E164.fullmatch(compact) is None:
        raise InvalidPhoneNumber(f"{number!r} is not an E.164 phone number")
    return compact
