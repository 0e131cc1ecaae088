"""Phone numbers in E.164 form (+ and up to 15 digits), as SMS providers want them."""

from __future__ import annotations

import re

from services.notifications.ports import PermanentSendError

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


def sms_recipient(number: str) -> str:
    """The E.164 form an SMS provider is given; a number that has none is a permanent failure
    (retrying cannot fix it)."""
    try:
        return normalize_e164(number)
    except InvalidPhoneNumber as exc:
        raise PermanentSendError(str(exc)) from exc
