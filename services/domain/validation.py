"""Shape checks for identifiers and contacts: malformed input is refused before any I/O."""

from __future__ import annotations

import re
import unicodedata

from email_validator import EmailNotValidError, validate_email

from services.domain.errors import InvalidInput

ACCOUNT_ID_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:@+-]{0,127}")
E164_PATTERN = re.compile(r"\+[1-9][0-9]{1,14}")
MAX_MEMO_LENGTH = 256
MAX_IDEMPOTENCY_KEY_LENGTH = 128
MAX_OWNER_ID_LENGTH = 256


def is_account_id(value: object) -> bool:
    """True for 1-128 characters of letters, digits and `._:@+-`, starting alphanumeric."""
    return isinstance(value, str) and ACCOUNT_ID_PATTERN.fullmatch(value) is not None


def is_record_id(value: object) -> bool:
    """True for an id a transfer or entry could have: the same shape as an account id."""
    return is_account_id(value)


def account_id(value: object, *, field: str = "account_id") -> str:
    if not is_account_id(value):
        raise InvalidInput(
            f"{field} must be 1-128 letters, digits or ._:@+- and start with a letter or digit",
            field=field,
        )
    assert isinstance(value, str)
    return value


def owner_id(value: object, *, field: str = "owner_id") -> str | None:
    """A principal's subject as issuers write them (`auth0|5f...`, a UUID, an e-mail): 1-256
    printable characters without surrounding spaces. None stays None."""
    if value is None:
        return None
    if (
        not isinstance(value, str)
        or not 1 <= len(value) <= MAX_OWNER_ID_LENGTH
        or not value.isprintable()
        or value.strip() != value
    ):
        raise InvalidInput(
            f"{field} must be 1-{MAX_OWNER_ID_LENGTH} printable characters without "
            "surrounding spaces",
            field=field,
        )
    return value


def email(value: str | None) -> str | None:
    """A syntactically valid e-mail address (no DNS lookup), normalized; None stays None."""
    if value is None:
        return None
    try:
        return validate_email(value, check_deliverability=False).normalized
    except (EmailNotValidError, TypeError) as exc:
        raise InvalidInput(
            f"email {value!r} is not a valid address: {exc}", field="email"
        ) from None


def phone(value: str | None) -> str | None:
    """An E.164 phone number such as +14155550100; None stays None."""
    if value is None:
        return None
    if not isinstance(value, str) or E164_PATTERN.fullmatch(value) is None:
        raise InvalidInput(
            f"phone {value!r} must be in E.164 form, such as +14155550100", field="phone"
        )
    return value


def memo(value: str | None) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str) or len(value) > MAX_MEMO_LENGTH:
        raise InvalidInput(f"memo must be at most {MAX_MEMO_LENGTH} characters", field="memo")
    # Category Cc is C0, DEL and C1 (U+0085 is a line break too), not only code points below 32.
    if any(ch != "\t" and unicodedata.category(ch) == "Cc" for ch in value):
        raise InvalidInput("memo must not contain control characters", field="memo")
    return value


def idempotency_key(value: str | None) -> str | None:
    if value is None:
        return None
    if (
        not isinstance(value, str)
        or not 1 <= len(value) <= MAX_IDEMPOTENCY_KEY_LENGTH
        or not value.isprintable()
        or value.strip() != value
    ):
        raise InvalidInput(
            f"idempotency key must be 1-{MAX_IDEMPOTENCY_KEY_LENGTH} printable characters "
            "without surrounding spaces",
            field="idempotency_key",
        )
    return value
