"""The reference web app at /app/: the built single-page app (web/, built by `make` into
entrypoints/webapp/) and /app/config.json, which tells it how people sign in here.

Mount with `routes=[..., *web_routes(settings)]`. Every response carries a strict CSP: scripts
and styles from this origin only, fetches to this origin and the OIDC issuer (its token
endpoint), no inline code, no framing.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import (
    FileResponse,
    JSONResponse,
    PlainTextResponse,
    RedirectResponse,
    Response,
)
from starlette.routing import BaseRoute, Route

from services.settings import Settings

APP_PATH = "/app"
#: Where `make` (and the Docker build) put `vite build`'s output; shipped as package data.
WEBAPP_DIR = Path(__file__).parent / "webapp"
#: Hashed file names never change content: cache them for a year.
IMMUTABLE = "public, max-age=31536000, immutable"
NOT_BUILT = (
    "The web app is not built: run `make install` (or `cd web && npm ci && npm run build`).\n"
)


@dataclass(frozen=True)
class WebAppConfig:
    """What the app needs to sign people in (served as /app/config.json)."""

    mode: Literal["development", "oidc"]
    issuer: str | None = None
    client_id: str | None = None
    audience: str | None = None
    scope: str = "openid profile"

    def as_json(self) -> dict[str, str | None]:
        return {
            "mode": self.mode,
            "issuer": self.issuer,
            "clientId": self.client_id,
            "audience": self.audience,
            "scope": self.scope,
        }


def web_config(settings: Settings) -> WebAppConfig:
    """OIDC when an issuer is configured, else the development sign-in (which answers in
    embedded mode only: elsewhere POST /auth/dev-token is 404 and the app says so)."""
    if settings.auth_issuer:
        return WebAppConfig(
            mode="oidc",
            issuer=settings.auth_issuer.rstrip("/"),
            client_id=settings.web_client_id,
            audience=settings.auth_audience,
        )
    return WebAppConfig(mode="development")


def content_security_policy(config: WebAppConfig) -> str:
    connect = ["'self'"]
    if config.issuer:
        parts = urlsplit(config.issuer)
        connect.append(f"{parts.scheme}://{parts.netloc}")
    return (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        f"font-src 'self'; connect-src {' '.join(connect)}; manifest-src 'self'; "
        "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )


def web_routes(settings: Settings, *, directory: Path = WEBAPP_DIR) -> list[BaseRoute]:
    """Routes serving the web app from `directory` at /app/ (client routes fall back to
    index.html) and its configuration at /app/config.json."""
    config = web_config(settings)
    headers = {
        "Content-Security-Policy": content_security_policy(config),
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
    }
    root = directory.resolve()

    async def config_json(request: Request) -> Response:
        return JSONResponse(config.as_json(), headers={**headers, "Cache-Control": "no-store"})

    async def redirect(request: Request) -> Response:
        return RedirectResponse(f"{APP_PATH}/", status_code=308)

    async def page(request: Request) -> Response:
        path = request.path_params.get("path", "")
        index = root / "index.html"
        if not index.is_file():
            return PlainTextResponse(NOT_BUILT, status_code=503, headers=headers)
        if path.startswith("assets/"):
            asset = _inside(root, path)
            if asset is None:
                return PlainTextResponse("Not Found", status_code=404, headers=headers)
            return FileResponse(asset, headers={**headers, "Cache-Control": IMMUTABLE})
        # Any other path is a screen of the app (/app/accounts/alice): the page decides.
        return FileResponse(index, headers={**headers, "Cache-Control": "no-store"})

    return [
        Route(f"{APP_PATH}/config.json", config_json, methods=["GET"]),
        Route(APP_PATH, redirect, methods=["GET"]),
        Route(f"{APP_PATH}/{{path:path}}", page, methods=["GET", "HEAD"]),
    ]


def _inside(root: Path, relative: str) -> Path | None:
    """The file at `relative` under `root`, or None when missing or outside it."""
    candidate = (root / relative).resolve()
    if not candidate.is_relative_to(root) or not candidate.is_file():
        return None
    return candidate
