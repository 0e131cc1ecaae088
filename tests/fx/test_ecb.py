"""The ECB-format provider against a real local HTTP server serving the hand-written fixture."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from decimal import Decimal

import httpx
import pytest

from services.fx.ecb import MAX_DOCUMENT_BYTES, EcbRatesProvider, parse_ecb_xml
from services.fx.errors import RatesStale, RatesUnavailable
from tests.fx.conftest import DAILY_XML, FIXTURE_DAY, Clock, RatesServer, daily_xml

DAY = 24 * 3600.0


def provider(http: httpx.AsyncClient, server: RatesServer, clock: Clock) -> EcbRatesProvider:
    return EcbRatesProvider(
        http,
        server.url,
        max_age_seconds=4 * DAY,
        refresh_seconds=3600,
        retry_seconds=60,
        timeout_seconds=1,
        clock=clock,
    )


def test_the_fixture_parses_as_euro_rates_of_its_day() -> None:
    table = parse_ecb_xml(DAILY_XML)

    assert table.base == "EUR"
    assert table.as_of == FIXTURE_DAY
    assert table.rates["EUR"] == 1
    assert table.rates["USD"] == Decimal("1.0842")
    assert table.rates["JPY"] == Decimal("162.30")
    assert len(table.rates) == 30
    assert all(type(rate) is Decimal for rate in table.rates.values())
    # Cross rates through EUR, correctly rounded to 34 significant digits (not the global 28).
    assert table.rate("USD", "JPY").value == Decimal("149.6956281128942999446596568898727")


def test_a_history_document_gives_its_newest_day() -> None:
    older = daily_xml("2026-11-26").replace(b"1.0842", b"1.0800")
    cube = DAILY_XML[DAILY_XML.index(b"\t\t<Cube time=") : DAILY_XML.rindex(b"\t</Cube>")]
    history = older.replace(b"\t</Cube>\n</gesmes", b"" + cube + b"\t</Cube>\n</gesmes")

    table = parse_ecb_xml(history)

    assert table.as_of == FIXTURE_DAY
    assert table.rates["USD"] == Decimal("1.0842")


@pytest.mark.parametrize(
    "document",
    [
        pytest.param(b"<gesmes:Envelope", id="truncated"),
        pytest.param(b"<html><body>Service unavailable</body></html>", id="not-ecb"),
        pytest.param(DAILY_XML.replace(b"rate='1.0842'", b"rate='1,0842'"), id="bad-rate"),
        pytest.param(DAILY_XML.replace(b"rate='1.0842'", b"rate='-1.0842'"), id="negative"),
        pytest.param(DAILY_XML.replace(b"2026-11-27", b"27/11/2026"), id="bad-date"),
        pytest.param(
            b'<?xml version="1.0"?><!DOCTYPE lol [<!ENTITY lol "lol">'
            b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;">]><gesmes:Envelope>&lol2;</gesmes:Envelope>',
            id="entities",
        ),
        pytest.param(
            b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
            b"<x>&e;</x>",
            id="external-entity",
        ),
    ],
)
def test_anything_but_a_safe_ecb_document_is_refused(document: bytes) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - every refusal is a ValueError, by contract
        parse_ecb_xml(document)


async def test_rates_are_fetched_once_and_cached_until_the_refresh_interval(
    http: httpx.AsyncClient, rates_server: RatesServer, clock: Clock
) -> None:
    rates = provider(http, rates_server, clock)

    first = await rates.rates()
    clock.advance(3599)
    assert await rates.rates() is first
    assert rates_server.hits == 1

    clock.advance(1)
    assert await rates.rates() is first  # served at once; the refetch runs in the background
    await rates.aclose()
    assert rates_server.hits == 2


async def test_a_slow_provider_never_delays_quotes_while_the_cache_is_fresh(
    http: httpx.AsyncClient, rates_server: RatesServer, clock: Clock
) -> None:
    rates = provider(http, rates_server, clock)
    cached = await rates.rates()
    rates_server.delay.clear()
    clock.advance(3600)

    assert await asyncio.wait_for(rates.rates(), timeout=0.5) is cached

    rates_server.delay.set()
    await rates.aclose()


async def test_concurrent_callers_share_one_fetch(
    http: httpx.AsyncClient, rates_server: RatesServer, clock: Clock
) -> None:
    rates = provider(http, rates_server, clock)
    rates_server.delay.clear()

    waiting = [asyncio.create_task(rates.rates()) for _ in range(20)]
    await asyncio.sleep(0.2)
    rates_server.delay.set()
    tables = await asyncio.gather(*waiting)

    assert rates_server.hits == 1
    assert all(table is tables[0] for table in tables)


async def test_stale_rates_are_refused_with_their_date(
    http: httpx.AsyncClient, rates_server: RatesServer, clock: Clock
) -> None:
    rates_server.body = daily_xml("2026-11-20")
    rates = provider(http, rates_server, clock)

    with pytest.raises(RatesStale) as refused:
        await rates.rates()

    assert refused.value.code == "RATES_STALE"
    assert "2026-11-20" in refused.value.message
    # Stale at the source is retried after retry_seconds, not after a whole refresh interval.
    rates_server.body = DAILY_XML
    clock.advance(60)
    assert (await rates.rates()).as_of == FIXTURE_DAY


async def test_a_provider_that_is_down_serves_fresh_cached_rates_then_refuses_once_stale(
    http: httpx.AsyncClient, rates_server: RatesServer, clock: Clock
) -> None:
    rates = provider(http, rates_server, clock)
    cached = await rates.rates()
    rates_server.stop()

    clock.advance(2 * DAY)  # past the refresh interval: the fetch fails, the cache serves
    assert await rates.rates() is cached
    await rates.aclose()
    assert await rates.rates() is cached

    clock.advance(2 * DAY)  # the fixture's day began more than 4 days ago
    with pytest.raises(RatesStale):
        await rates.rates()


async def test_a_provider_down_from_the_start_is_refused_clearly_and_not_hammered(
    http: httpx.AsyncClient, rates_server: RatesServer, clock: Clock
) -> None:
    rates_server.stop()
    rates = provider(http, rates_server, clock)

    with pytest.raises(RatesUnavailable) as refused:
        await rates.rates()
    assert refused.value.code == "RATES_UNAVAILABLE"
    assert refused.value.message == (
        "exchange rates are unavailable (provider unreachable): try again later"
    )

    restarted = RatesServer()
    try:
        rates._url = restarted.url  # the same provider, now reachable at another port
        clock.advance(59)
        with pytest.raises(RatesUnavailable):
            await rates.rates()
        assert restarted.hits == 0  # within retry_seconds: no new attempt
        clock.advance(1)
        assert (await rates.rates()).as_of == FIXTURE_DAY
    finally:
        restarted.stop()


@pytest.mark.parametrize(
    ("status", "body", "reason"),
    [
        (200, b"<gesmes:Envelope><Cube>", "malformed rates document"),
        (503, b"busy", "provider answered HTTP 503"),
        (200, b" " * (MAX_DOCUMENT_BYTES + 1), "rates document too large"),
    ],
)
async def test_an_unusable_answer_is_refused_with_its_reason(
    http: httpx.AsyncClient,
    rates_server: RatesServer,
    clock: Clock,
    caplog: pytest.LogCaptureFixture,
    status: int,
    body: bytes,
    reason: str,
) -> None:
    rates_server.status, rates_server.body = status, body
    rates = provider(http, rates_server, clock)

    with caplog.at_level(logging.WARNING), pytest.raises(RatesUnavailable) as refused:
        await rates.rates()

    assert refused.value.reason == reason
    assert "fx rates fetch failed" in caplog.text


async def test_a_bad_answer_keeps_the_good_cached_table(
    http: httpx.AsyncClient, rates_server: RatesServer, clock: Clock
) -> None:
    rates = provider(http, rates_server, clock)
    cached = await rates.rates()
    rates_server.body = b"<not-xml"
    clock.advance(timedelta(hours=2).total_seconds())

    assert await rates.rates() is cached
    await rates.aclose()
    assert await rates.rates() is cached
    assert rates_server.hits == 2


@pytest.mark.parametrize(
    "url", ["http://rates.example.com/daily.xml", "ftp://127.0.0.1/x", "file:///etc/rates.xml"]
)
def test_only_https_or_loopback_http_urls_are_accepted(http: httpx.AsyncClient, url: str) -> None:
    with pytest.raises(ValueError, match="https"):
        EcbRatesProvider(http, url, max_age_seconds=DAY)
