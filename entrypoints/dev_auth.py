"""The embedded server's development sign-in: `POST /auth/dev-token` mints a token of the
development issuer for a subject (the web app's development sign-in, scripts, curl).

Only where that issuer is trusted (embedded mode, no LEDGER_AUTH_ISSUER): elsewhere 404."""

from __future__ import annotations

from datetime import UTC, datetime

from starlette.requests import Request
from starlette.responses import JSONResponse

from services.bootstrap import ApiServices
from services.domain import validation
from services.domain.errors import InvalidInput

MAX_BODY_BYTES = 1024


async def dev_token(request: Request) -> JSONResponse:
    services: ApiServices = request.app.state.services
    identity = services.identity
    if identity.development is None:
        return JSONResponse({"error": "not found"}, status_code=404)
    # JSON only: a cross-site form post cannot be one without a CORS preflight.
    if request.headers.get("content-type", "").split(";")[0].strip() != "application/json":
        return JSONResponse({"error": "send application/json"}, status_code=415)
    raw = await request.body()
    if len(raw) > MAX_BODY_BYTES:
        return JSONResponse({"error": "body too large"}, status_code=413)
    try:
        body = await request.json()
        subject = validation.owner_id(body.get("subject"), field="subject")
    except (ValueError, AttributeError):
        return JSONResponse({"error": 'expected {"subject": ..., "operator": ...}'}, 400)
    except InvalidInput as refused:
        return JSONResponse({"error": refused.message}, status_code=400)
    if subject is None:
        return JSONResponse({"error": "subject is required"}, status_code=400)
    operator = body.get("operator") is True
    token = identity.development_token(subject, operator=operator)
    expires_at = datetime.now(UTC) + identity.development_token_lifetime
    return JSONResponse(
        {"token": token, "expiresAt": expires_at.isoformat().replace("+00:00", "Z")},
        headers={"Cache-Control": "no-store"},
    )
