"""Live balance changes for subscribers: an event hub and the resumable balance feed."""

from services.hub.feed import BalanceFeed, BalanceStream
from services.hub.memory import InProcessHub
from services.hub.ports import EventHub, HistorySource
from services.hub.subscription import Subscription, SubscriptionClosed

__all__ = [
    "BalanceFeed",
    "BalanceStream",
    "EventHub",
    "HistorySource",
    "InProcessHub",
    "Subscription",
    "SubscriptionClosed",
]
