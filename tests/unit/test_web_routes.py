"""entrypoints.web: the built app at /app/ under a strict CSP, and /app/config.json."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette

from entrypoints.web import WebAppConfig, content_security_policy, web_routes
from services.settings import Settings


@pytest.fixture
def built(tmp_path: Path) -> Path:
    (tmp_path / "assets").mkdir()
    (tmp_path / "index.html").write_text('<script type="module" src="/app/assets/index-abc.js">')
    (tmp_path / "assets" / "index-abc.js").write_text("console.log(1)")
    (tmp_path.parent / "secret.txt").write_text("no")
    return tmp_path


async def get(directory: Path, path: str) -> httpx.Response:
    app = Starlette(routes=web_routes(Settings(), directory=directory))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://ledger.test") as http:
        return await http.get(path)


async def test_every_client_route_gets_the_page_uncached_under_the_csp(built: Path) -> None:
    for path in ("/app/", "/app/accounts/alice", "/app/send?from=alice", "/app/callback?code=x"):
        response = await get(built, path)
        assert response.status_code == 200, path
        assert response.text.startswith("<script")
        assert response.headers["cache-control"] == "no-store"
        csp = response.headers["content-security-policy"]
        assert "script-src 'self';" in csp
        assert "unsafe-inline" not in csp
        assert "unsafe-eval" not in csp
        assert "frame-ancestors 'none'" in csp
        assert response.headers["x-content-type-options"] == "nosniff"


async def test_hashed_assets_are_cached_for_a_year(built: Path) -> None:
    response = await get(built, "/app/assets/index-abc.js")
    assert response.status_code == 200
    assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert "javascript" in response.headers["content-type"]


@pytest.mark.parametrize(
    "path",
    [
        "/app/assets/missing.js",
        "/app/assets/../../secret.txt",
        "/app/assets/%2e%2e/%2e%2e/secret.txt",
    ],
)
async def test_unknown_or_escaping_assets_are_404(built: Path, path: str) -> None:
    assert (await get(built, path)).status_code == 404


async def test_app_without_a_slash_redirects(built: Path) -> None:
    response = await get(built, "/app")
    assert response.status_code == 308
    assert response.headers["location"] == "/app/"


async def test_an_unbuilt_app_says_how_to_build_it(tmp_path: Path) -> None:
    response = await get(tmp_path / "nothing", "/app/")
    assert response.status_code == 503
    assert "make install" in response.text


async def test_config_in_development_mode(built: Path) -> None:
    response = await get(built, "/app/config.json")
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    assert response.json() == {
        "mode": "development",
        "issuer": None,
        "clientId": None,
        "audience": None,
        "scope": "openid profile",
    }


def test_the_issuer_origin_may_be_fetched_and_nothing_else() -> None:
    config = WebAppConfig(mode="oidc", issuer="https://id.example.com/realms/x", client_id="web")
    csp = content_security_policy(config)
    assert "connect-src 'self' https://id.example.com;" in csp
    assert "connect-src 'self';" in content_security_policy(WebAppConfig(mode="development"))
