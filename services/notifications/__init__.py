"""Telling account holders about their entries: e-mail and SMS, each exactly once."""

from services.notifications.model import Channel, Message, Notification, Status
from services.notifications.notifier import Notifier
from services.notifications.sweeps import RetryReport

__all__ = ["Channel", "Message", "Notification", "Notifier", "RetryReport", "Status"]
