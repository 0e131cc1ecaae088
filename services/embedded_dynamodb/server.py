"""The embedded endpoint's HTTP server: moto's WSGI app, patched, one request at a time.

moto's backends have no locking and its server runs each request on its own thread; requests
racing inside a backend lose acknowledged writes and fail with "dictionary changed size during
iteration". Serializing requests costs little (every request is short and CPU-bound under the
GIL anyway) and makes each one atomic, as DynamoDB's single-item and transactional writes are.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Iterable
from typing import Any

from werkzeug.serving import BaseWSGIServer, make_server

from services.embedded_dynamodb.patches import apply_patches

SENT_MESSAGES_PATH = "/embedded/sent-messages"
#: The line the child prints once it listens, followed by its URL.
READY = "EMBEDDED_DYNAMODB_READY"

StartResponse = Callable[..., Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


def serialized(app: WsgiApp) -> WsgiApp:
    """Wrap a WSGI app so that requests run one at a time, bodies included."""
    lock = threading.Lock()

    def handle(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        with lock:
            if environ.get("PATH_INFO") == SENT_MESSAGES_PATH:
                return _sent_messages(start_response)
            return list(app(environ, start_response))

    return handle


def _sent_messages(start_response: StartResponse) -> list[bytes]:
    from moto.ses.models import ses_backends
    from moto.sns.models import sns_backends

    email: list[dict[str, Any]] = []
    for ses_account in ses_backends.values():
        for ses in ses_account.values():
            for message in ses.sent_messages:
                email.append(
                    {
                        "source": message.source,
                        "destinations": message.destinations,
                        "subject": getattr(message, "subject", None),
                        "body": getattr(message, "body", None),
                        "raw": getattr(message, "raw_data", None),
                    }
                )
    sms: list[dict[str, str]] = []
    for sns_account in sns_backends.values():
        for sns in sns_account.values():
            for phone_number, text in sns.sms_messages.values():
                sms.append({"phone_number": phone_number, "message": text})
    body = json.dumps({"email": email, "sms": sms}).encode()
    start_response("200 OK", [("Content-Type", "application/json")])
    return [body]


def build_server(host: str, port: int) -> BaseWSGIServer:
    """A threaded werkzeug server for the patched, serialized moto app (not yet serving)."""
    apply_patches()
    from moto.moto_server.werkzeug_app import (
        DomainDispatcherApplication,
        MotoRequestHandler,
        create_backend_app,
    )

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    app = serialized(DomainDispatcherApplication(create_backend_app))
    return make_server(host, port, app, threaded=True, request_handler=MotoRequestHandler)
