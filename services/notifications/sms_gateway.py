"""HttpSmsGateway: SMS through an HTTP gateway (URL, API key and sender from settings).

    POST <url>   Authorization: Bearer <api key>   Content-Type: application/json
    {"from": "<sender>", "to": "+14155550100", "text": "..."}

A 2xx answer is success (a JSON `id` or `message_id`, if any, is kept); 429 and 5xx are
transient; any other 4xx is a refusal.
"""

from __future__ import annotations

import httpx

from services.notifications.model import Message
from services.notifications.phone import sms_recipient
from services.notifications.ports import PermanentSendError


class SmsGatewayError(Exception):
    """The gateway failed in a way another attempt may fix."""


class HttpSmsGateway:
    def __init__(self, client: httpx.AsyncClient, url: str, api_key: str, sender: str) -> None:
        self._client = client
        self._url = url
        self._api_key = api_key
        self._sender = sender

    async def send(self, recipient: str, message: Message) -> str | None:
        number = sms_recipient(recipient)
        response = await self._client.post(
            self._url,
            json={"from": self._sender, "to": number, "text": message.text},
            headers={"Authorization": f"Bearer {self._api_key}"},
        )
        if response.status_code == 429 or response.status_code >= 500:
            raise SmsGatewayError(f"SMS gateway answered {response.status_code}")
        if response.status_code >= 400:
            raise PermanentSendError(
                f"SMS gateway refused the message: {response.status_code} {response.text[:200]}"
            )
        return _message_id(response)


def _message_id(response: httpx.Response) -> str | None:
    try:
        body = response.json()
    except ValueError:
        return None
    if isinstance(body, dict):
        value = body.get("id") or body.get("message_id")
        return None if value is None else str(value)
    return None
