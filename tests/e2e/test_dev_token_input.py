"""Hostile input to the embedded server's development sign-in (`POST /auth/dev-token`), against
`ledger serve --embedded` as a user runs it: every malformed request gets a 4xx with a short
message, none a 5xx, no traceback in the server's log, and the server still signs in."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.e2e.test_serve_cli import ledger_serve

JSON = {"Content-Type": "application/json"}

#: name -> (raw body, content type, expected status)
REQUESTS: dict[str, tuple[bytes, str, int]] = {
    "a form post": (b"subject=mallory&operator=true", "application/x-www-form-urlencoded", 415),
    "no content type": (b'{"subject": "mallory"}', "", 415),
    "text/plain JSON": (b'{"subject": "mallory"}', "text/plain", 415),
    "over 1 KiB": (b'{"subject": "' + b"m" * 2000 + b'"}', "application/json", 413),
    "empty": (b"", "application/json", 400),
    "truncated JSON": (b'{"subject": ', "application/json", 400),
    "not JSON": (b"subject: mallory", "application/json", 400),
    "a list": (b'["mallory"]', "application/json", 400),
    "a number": (b"42", "application/json", 400),
    "null": (b"null", "application/json", 400),
    "a 900-digit integer": (b'{"subject": ' + b"9" * 900 + b"}", "application/json", 400),
    "deep nesting": (b'{"subject": ' + b"[" * 480 + b"]" * 480 + b"}", "application/json", 400),
    "subject missing": (b'{"operator": true}', "application/json", 400),
    "subject null": (b'{"subject": null}', "application/json", 400),
    "subject empty": (b'{"subject": ""}', "application/json", 400),
    "subject an object": (b'{"subject": {"sub": "x"}}', "application/json", 400),
    "subject too long": (b'{"subject": "' + b"m" * 600 + b'"}', "application/json", 400),
    "subject with a newline": (b'{"subject": "a\\nb"}', "application/json", 400),
    "invalid UTF-8": (b'{"subject": "\xff\xfe"}', "application/json", 400),
    "lone surrogate": (b'{"subject": "\\ud800"}', "application/json", 400),
}


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    with ledger_serve(tmp_path_factory.mktemp("dev-token"), "--embedded") as served:
        yield served


@pytest.mark.parametrize("name", list(REQUESTS))
def test_a_malformed_sign_in_gets_a_4xx(served: tuple[str, Path], name: str) -> None:
    url, _ = served
    body, content_type, expected = REQUESTS[name]
    headers = {"Content-Type": content_type} if content_type else {}
    response = httpx.post(url + "/auth/dev-token", content=body, headers=headers, timeout=10)
    assert response.status_code == expected, response.text
    assert len(response.text) < 300  # nothing of the input echoed at length
    assert "token" not in response.json()


def test_an_operator_flag_that_is_not_true_signs_in_a_holder(served: tuple[str, Path]) -> None:
    url, _ = served
    for flag in ("true", 1, "yes", None, [True]):
        response = httpx.post(
            url + "/auth/dev-token", json={"subject": "eve", "operator": flag}, timeout=10
        )
        assert response.status_code == 200, response.text
        me = httpx.post(
            url + "/graphql",
            json={"query": "{ me { isAdmin } }"},
            headers={"Authorization": f"Bearer {response.json()['token']}"},
            timeout=10,
        ).json()
        assert me["data"]["me"]["isAdmin"] is False, (flag, me)


def test_after_the_corpus_the_server_signs_in_and_logged_no_traceback(
    served: tuple[str, Path],
) -> None:
    url, log_path = served
    response = httpx.post(url + "/auth/dev-token", json={"subject": "alice"}, timeout=10)
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    assert response.json()["token"].count(".") == 2
    log = log_path.read_text()
    assert "Traceback" not in log
    assert '"level": "error"' not in log.lower()
