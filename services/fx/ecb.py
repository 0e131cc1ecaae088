"""Rates over HTTP in the ECB's euro foreign exchange reference format (eurofxref-daily.xml).

The document comes from the network, so it is parsed by the stdlib parser through defusedxml
(no DTD, no entities), after a size bound. The table is cached: refetched on the first use after
`refresh_seconds`, one fetch at a time however many callers wait, and kept while the provider is
down. Quotes are refused once the newest rates known are older than `max_age_seconds`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from urllib.parse import urlsplit
from xml.etree.ElementTree import ParseError

import httpx
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from services.domain.money import CURRENCY_EXPONENTS
from services.fx.errors import RatesStale, RatesUnavailable
from services.fx.rates import RateTable

log = logging.getLogger(__name__)

ECB_DAILY_URL = "https://www.ecb.europa.eu/stats/eurofxref/eurofxref-daily.xml"
#: The daily document is about 2 KB; anything past this is not one.
MAX_DOCUMENT_BYTES = 512 * 1024
_GESMES = "{http://www.gesmes.org/xml/2002-08-01}"
_EUROFXREF = "{http://www.ecb.int/vocabulary/2002-08-01/eurofxref}"
_LOOPBACK = {"127.0.0.1", "::1", "localhost"}


def parse_ecb_xml(document: bytes) -> RateTable:
    """The newest day's rates of an ECB reference rates document, against EUR.

    `as_of` is the start (00:00 UTC) of the reference day: the rates are set in the afternoon,
    so ages are overstated by under a day, never understated. Codes that are not ISO 4217 are
    skipped. Raises ValueError for anything else than a well-formed document of that format."""
    try:
        root = fromstring(document, forbid_dtd=True)
    except (ParseError, DefusedXmlException) as exc:
        raise ValueError(f"not a safe, well-formed XML document: {exc}") from None
    if root.tag != f"{_GESMES}Envelope":
        raise ValueError(f"root element is {root.tag!r}, not the gesmes Envelope")
    days = [cube for cube in root.iter(f"{_EUROFXREF}Cube") if "time" in cube.attrib]
    if not days:
        raise ValueError("no dated Cube element")
    try:
        newest_day, newest = max((date.fromisoformat(c.attrib["time"]), c) for c in days)
    except ValueError:
        raise ValueError("a Cube time is not an ISO date") from None
    rates: dict[str, str] = {}
    for cube in newest.iter(f"{_EUROFXREF}Cube"):
        code, rate = cube.attrib.get("currency"), cube.attrib.get("rate")
        if code is None and rate is None:
            continue
        if code is None or rate is None:
            raise ValueError("a Cube has a currency without a rate or a rate without a currency")
        if code not in CURRENCY_EXPONENTS:
            log.info("ecb rate skipped: not an ISO 4217 code", extra={"currency": code})
            continue
        rates[code] = rate
    if not rates:
        raise ValueError(f"no rates for {newest_day.isoformat()}")
    return RateTable.build("EUR", rates, datetime.combine(newest_day, time(0), tzinfo=UTC))


def _utc_now() -> datetime:
    return datetime.now(UTC)


class _FetchFailed(Exception):
    """A fetch gave nothing usable; `reason` is the fixed phrase clients may see."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class EcbRatesProvider:
    """A RatesProvider over an ECB-format URL. The HTTP client belongs to the caller."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        url: str = ECB_DAILY_URL,
        *,
        max_age_seconds: float,
        refresh_seconds: float = 3600.0,
        retry_seconds: float = 60.0,
        timeout_seconds: float = 5.0,
        clock: Callable[[], datetime] = _utc_now,
    ) -> None:
        parts = urlsplit(url)
        if parts.scheme != "https" and not (parts.scheme == "http" and parts.hostname in _LOOPBACK):
            raise ValueError("the rates URL must be https (plain http only to a loopback host)")
        self._client = client
        self._url = url
        self._max_age = timedelta(seconds=max_age_seconds)
        self._refresh = timedelta(seconds=refresh_seconds)
        self._retry = timedelta(seconds=retry_seconds)
        self._timeout = timeout_seconds
        self._clock = clock
        self._table: RateTable | None = None
        self._fetched_at: datetime | None = None
        self._failed_at: datetime | None = None
        self._failure = "no rates fetched yet"
        self._inflight: asyncio.Task[None] | None = None

    async def rates(self) -> RateTable:
        """The cached table. When a refetch is due, a usable table is returned at once while
        the fetch runs in the background; without one, the caller waits for the fetch. Raises
        RatesUnavailable (nothing cached and the provider failed) or RatesStale (the newest
        rates known are older than max_age_seconds)."""
        now = self._clock()
        if self._due(now):
            if self._inflight is None:
                self._inflight = asyncio.get_running_loop().create_task(self._fetch_and_keep())
                self._inflight.add_done_callback(self._fetch_done)
            if not self._fresh(now):
                # Shielded: a caller that gives up does not cancel the fetch others wait on.
                await asyncio.shield(self._inflight)
        return self._usable(self._clock())

    async def aclose(self) -> None:
        """Wait for a background fetch to end (the HTTP client is closed by its owner)."""
        if self._inflight is not None:
            await asyncio.shield(self._inflight)

    def _fresh(self, now: datetime) -> bool:
        return self._table is not None and now - self._table.as_of <= self._max_age

    def _due(self, now: datetime) -> bool:
        if self._failed_at is not None:  # the last attempt failed or was stale: retry soon
            return now >= self._failed_at + self._retry
        return self._fetched_at is None or now >= self._fetched_at + self._refresh

    def _usable(self, now: datetime) -> RateTable:
        if self._table is None:
            raise RatesUnavailable(self._failure)
        if not self._fresh(now):
            raise RatesStale(self._table.as_of, self._max_age.total_seconds())
        return self._table

    def _fetch_done(self, task: asyncio.Task[None]) -> None:
        self._inflight = None
        if not task.cancelled() and (error := task.exception()) is not None:
            # Expected failures are handled inside the task; this is a bug, so say so loudly
            # even when no caller awaited the fetch.
            log.error("fx rates fetch crashed", exc_info=error)

    async def _fetch_and_keep(self) -> None:
        try:
            table = parse_ecb_xml(await self._fetch())
        except _FetchFailed as exc:
            self._fail(exc.reason, exc)
            return
        except ValueError as exc:
            self._fail("malformed rates document", exc)
            return
        now = self._clock()
        if self._table is None or table.as_of >= self._table.as_of:
            self._table = table
        self._fetched_at = now
        # Stale at the source: ask again soon rather than after a whole refresh interval.
        self._failed_at = None if self._fresh(now) else now

    async def _fetch(self) -> bytes:
        try:
            async with self._client.stream("GET", self._url, timeout=self._timeout) as response:
                if response.status_code != 200:
                    raise _FetchFailed(f"provider answered HTTP {response.status_code}")
                body = bytearray()
                async for chunk in response.aiter_bytes():
                    body += chunk
                    if len(body) > MAX_DOCUMENT_BYTES:
                        raise _FetchFailed("rates document too large")
                return bytes(body)
        except httpx.TimeoutException as exc:
            raise _FetchFailed("provider timed out") from exc
        except httpx.HTTPError as exc:
            raise _FetchFailed("provider unreachable") from exc

    def _fail(self, reason: str, exc: Exception) -> None:
        self._failed_at = self._clock()
        self._failure = reason
        log.warning(
            "fx rates fetch failed",
            extra={
                "url": self._url,
                "reason": reason,
                "error": repr(exc.__cause__ or exc),
                "cached": bool(self._table),
            },
        )
