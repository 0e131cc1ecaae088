"""Domain events decoded from the table's stream: what happened after a commit."""

from services.events.decode import UndecodableRecord, decode_record
from services.events.model import AccountOpened, BalanceChanged, DomainEvent

__all__ = ["AccountOpened", "BalanceChanged", "DomainEvent", "UndecodableRecord", "decode_record"]
