"""The composition root: what each process role needs, wired once from Settings."""

from services.bootstrap.roles import (
    ApiServices,
    Services,
    StreamServices,
    WorkerServices,
    bootstrap,
    bootstrap_api,
    bootstrap_stream_handlers,
    bootstrap_worker,
    stream_worker_running,
)

__all__ = [
    "ApiServices",
    "Services",
    "StreamServices",
    "WorkerServices",
    "bootstrap",
    "bootstrap_api",
    "bootstrap_stream_handlers",
    "bootstrap_worker",
    "stream_worker_running",
]
