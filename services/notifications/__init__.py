"""Telling account holders about their entries: e-mail and SMS, each exactly once."""

from services.notifications.model import Channel, Message, Notification, Status
from services.notifications.notifier import Notifier, RetryReport

__all__ = ["Channel", "Message", "Notification", "Notifier", "RetryReport", "Status"]
