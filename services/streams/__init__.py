"""Reading the table's stream: one processing function, run by a poller or a Lambda handler."""

from services.streams.poller import StreamPoller
from services.streams.processor import BatchResult, Handler, StreamProcessor

__all__ = ["BatchResult", "Handler", "StreamPoller", "StreamProcessor"]
