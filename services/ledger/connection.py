"""`Ledger.connect(settings)`: the library's way to open a Ledger on DynamoDB."""

from __future__ import annotations

from types import TracebackType

from services.ledger.facade import Ledger
from services.settings import Settings


class LedgerConnection:
    """`async with Ledger.connect(settings) as ledger:` or `ledger = await Ledger.connect(s)`."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._ledger: Ledger | None = None

    def __await__(self):  # type: ignore[no-untyped-def]
        return self._open().__await__()

    async def __aenter__(self) -> Ledger:
        self._ledger = await self._open()
        return self._ledger

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._ledger is not None:
            await self._ledger.close()

    async def _open(self) -> Ledger:
        from services.dynamo.connect import open_store  # the composition edge: adapter chosen here

        store, close = await open_store(self._settings)
        try:
            if self._settings.create_table:
                await store.ensure_table()
        except BaseException:
            await close()
            raise
        return Ledger(store, self._settings, on_close=close)
