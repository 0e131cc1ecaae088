"""Settings that decide between modes."""

from __future__ import annotations

from services.settings import Settings


def test_serve_runs_the_stream_worker_when_alone() -> None:
    assert Settings().runs_stream_worker_in_serve()
    assert not Settings(redis_url="redis://cache:6379/0").runs_stream_worker_in_serve()
    assert Settings(
        redis_url="redis://cache:6379/0", serve_stream_worker=True
    ).runs_stream_worker_in_serve()
    assert not Settings(serve_stream_worker=False).runs_stream_worker_in_serve()
