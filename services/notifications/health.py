"""ProviderHealth: whether a channel's provider looks down, so that an outage costs one probe
per retry sweep instead of a failing send (and its writes) for every notification.

After `threshold` transient failures in a row a channel is down: new notifications are recorded
as FAILED without a send, and the retry sweep sends one notification of the channel as a probe;
the first success brings the channel back and the next sweep sends the rest.
"""

from __future__ import annotations

import logging

from services.notifications.model import Channel

log = logging.getLogger(__name__)


class ProviderHealth:
    def __init__(self, threshold: int = 5) -> None:
        self._threshold = max(1, threshold)
        self._failures: dict[Channel, int] = {}
        self._last_error: dict[Channel, str] = {}

    def down(self, channel: Channel) -> bool:
        return self._failures.get(channel, 0) >= self._threshold

    def last_error(self, channel: Channel) -> str:
        return self._last_error.get(channel, "")

    def failed(self, channel: Channel, error: str) -> None:
        self._last_error[channel] = error
        failures = self._failures.get(channel, 0) + 1
        self._failures[channel] = failures
        if failures == self._threshold:
            log.warning(
                "notification provider down: probing it from the retry sweep",
                extra={"channel": channel.value},
            )

    def succeeded(self, channel: Channel) -> None:
        if self.down(channel):
            log.info("notification provider back", extra={"channel": channel.value})
        self._failures.pop(channel, None)
