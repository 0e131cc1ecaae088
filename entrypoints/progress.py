"""A progress bar on stderr for long CLI commands: redrawn in place on a terminal, a line
every few seconds otherwise (CI logs, a redirected stderr)."""

from __future__ import annotations

import sys
import time
from typing import TextIO


class ProgressBar:
    def __init__(self, label: str, total: int, *, out: TextIO | None = None) -> None:
        self._label = label
        #: An estimate (DynamoDB's item count): the bar never claims more than 99% before done.
        self._total = max(total, 1)
        self._out = out if out is not None else sys.stderr
        self._tty = self._out.isatty()
        self._count = 0
        self._started = time.monotonic()
        self._drawn = 0.0

    def advance(self, count: int) -> None:
        self._count += count
        now = time.monotonic()
        if now - self._drawn >= (0.1 if self._tty else 5.0):
            self._drawn = now
            self._draw(done=False)

    def finish(self) -> None:
        self._draw(done=True)
        if self._tty:
            self._out.write("\n")
        self._out.flush()

    def _draw(self, *, done: bool) -> None:
        share = 1.0 if done else min(self._count / self._total, 0.99)
        filled = int(share * 30)
        elapsed = time.monotonic() - self._started
        rate = self._count / elapsed if elapsed > 0 else 0.0
        line = (
            f"{self._label} [{'#' * filled}{'.' * (30 - filled)}] {share:4.0%} "
            f"{self._count} items, {elapsed:.1f}s, {rate:,.0f}/s"
        )
        self._out.write(("\r" + line) if self._tty else line + "\n")
        self._out.flush()
