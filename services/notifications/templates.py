"""The words of a notification: subject and body (text and HTML) for e-mail, text for SMS.

Each kind of change has its own headline: transfers and batches ("Debit of ..."), reversals
("Reversal: ..."), holds authorized, captured, voided and expired ("Hold of ...")."""

from __future__ import annotations

from decimal import Decimal
from html import escape

from services.domain.model import Account, ChangeKind, Direction, Entry
from services.domain.money import format_amount
from services.notifications.model import Message


def _when(entry: Entry) -> str:
    return entry.created_at.strftime("%Y-%m-%d %H:%M:%S UTC")


def _money(amount: Decimal, currency: str) -> str:
    # With the currency's exponent: DynamoDB hands back 12.50 as 12.5 and 100.00 as 100.
    return f"{format_amount(amount, currency)} {currency}"


#: The headline of a hold's own changes, by kind ({amount}, {other}: the hold's amount and
#: destination).
HOLD_HEADLINES = {
    ChangeKind.HOLD_AUTHORIZED: "Hold of {amount} for account {other}",
    ChangeKind.HOLD_VOIDED: "Hold of {amount} for account {other} voided",
    ChangeKind.HOLD_EXPIRED: "Hold of {amount} for account {other} expired",
}
#: Prefixes of postings by kind: a capture and a reversal say what they are.
POSTING_PREFIXES = {ChangeKind.HOLD_CAPTURED: "Captured hold: ", ChangeKind.REVERSAL: "Reversal: "}


def notifies(entry: Entry) -> bool:
    """False for the RELEASE of a captured hold: the capture's DEBIT, right after it, tells it."""
    return not (entry.direction is Direction.RELEASE and entry.kind is ChangeKind.HOLD_CAPTURED)


def describe(entry: Entry) -> str:
    """One line saying what happened, e.g. "Debit of 12.50 USD to account bob", or for an
    exchange "Debit of 10.00 USD to account fx:USD (currency exchange for 9.22 EUR at 0.9223)"."""
    amount = _money(entry.amount, entry.currency)
    kind = entry.change_kind
    if kind in HOLD_HEADLINES:
        return HOLD_HEADLINES[kind].format(amount=amount, other=entry.counterparty_id)
    if entry.counterparty_id is None:
        return f"Opening balance of {amount}"
    prefix = POSTING_PREFIXES.get(kind, "")
    if entry.direction is Direction.DEBIT:
        line = f"Debit of {amount} to account {entry.counterparty_id}"
    else:
        line = f"Credit of {amount} from account {entry.counterparty_id}"
    return prefix + (line[0].lower() + line[1:] if prefix else line) + _exchange(entry)


def _exchange(entry: Entry) -> str:
    fx = entry.exchange
    if fx is None:
        return ""
    counter = _money(fx.counter_amount, fx.counter_currency)
    return f" (currency exchange for {counter} at {format(fx.rate, 'f')})"


_HOLD_SIDES = (Direction.HOLD, Direction.RELEASE)


def email_message(entry: Entry, account: Account) -> Message:
    what = describe(entry)
    balance = _money(entry.balance_after, entry.currency)
    subject = f"{what} on account {account.id}"
    facts = [
        ("Account", account.id),
        ("Type", entry.direction.value.lower()),
        ("Amount", _money(entry.amount, entry.currency)),
        ("Counterparty", entry.counterparty_id or "-"),
        ("Balance after", balance),
        ("Available after", _money(entry.available_after, entry.currency)),
        (
            "Pending transfer id" if entry.direction in _HOLD_SIDES else "Transfer id",
            entry.transfer_id,
        ),
        ("Time", _when(entry)),
    ]
    if entry.memo:
        facts.append(("Memo", entry.memo))
    if entry.exchange is not None:
        facts.append(("Exchange rate", format(entry.exchange.rate, "f")))
        facts.append(("Quote id", entry.exchange.quote_id))
    text = "\n".join(
        [f"{what}.", "", *(f"{name}: {value}" for name, value in facts), "", "- Ledger"]
    )
    rows = "".join(
        f"<tr><th align='left'>{escape(name)}</th><td>{escape(value)}</td></tr>"
        for name, value in facts
    )
    html = f"<html><body><p>{escape(what)}.</p><table>{rows}</table><p>- Ledger</p></body></html>"
    return Message(text=text, subject=subject, html=html)


def sms_message(entry: Entry) -> Message:
    if entry.direction in _HOLD_SIDES:
        return Message(
            text=(
                f"Ledger {entry.account_id}: {describe(entry)}. "
                f"Available {_money(entry.available_after, entry.currency)}. "
                f"Hold {entry.transfer_id}, {_when(entry)}."
            )
        )
    return Message(
        text=(
            f"Ledger {entry.account_id}: {describe(entry)}. "
            f"Balance {_money(entry.balance_after, entry.currency)}. "
            f"Transfer {entry.transfer_id}, {_when(entry)}."
        )
    )
