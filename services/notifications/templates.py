"""The words of a notification: subject and body (text and HTML) for e-mail, text for SMS."""

from __future__ import annotations

from html import escape

from services.domain.model import Account, Direction, Entry
from services.notifications.model import Message


def _when(entry: Entry) -> str:
    return entry.created_at.strftime("%Y-%m-%d %H:%M:%S UTC")


def _money(amount: object, currency: str) -> str:
    return f"{amount} {currency}"


def describe(entry: Entry) -> str:
    """One line saying what happened, e.g. "Debit of 12.50 USD to account bob"."""
    amount = _money(entry.amount, entry.currency)
    if entry.counterparty_id is None:
        return f"Opening balance of {amount}"
    if entry.direction is Direction.DEBIT:
        return f"Debit of {amount} to account {entry.counterparty_id}"
    return f"Credit of {amount} from account {entry.counterparty_id}"


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
        ("Transfer id", entry.transfer_id),
        ("Time", _when(entry)),
    ]
    if entry.memo:
        facts.append(("Memo", entry.memo))
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
    return Message(
        text=(
            f"Ledger {entry.account_id}: {describe(entry)}. "
            f"Balance {_money(entry.balance_after, entry.currency)}. "
            f"Transfer {entry.transfer_id}, {_when(entry)}."
        )
    )
