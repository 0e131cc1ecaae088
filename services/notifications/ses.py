"""SesEmailSender: e-mail through Amazon SES (API v2), text and HTML bodies."""

from __future__ import annotations

from typing import TYPE_CHECKING

from botocore.exceptions import ClientError

from services.notifications.model import Message
from services.notifications.ports import PermanentSendError

if TYPE_CHECKING:
    from types_aiobotocore_sesv2 import SESV2Client

#: SES errors that another attempt in a moment cannot fix.
_REFUSALS = frozenset(
    {
        "MessageRejected",
        "MailFromDomainNotVerifiedException",
        "AccountSuspendedException",
        "SendingPausedException",
        "BadRequestException",
        "NotFoundException",
        "InvalidParameterValue",
        "ValidationError",
    }
)


class SesEmailSender:
    def __init__(self, client: SESV2Client, sender: str) -> None:
        self._client = client
        self._sender = sender

    async def send(self, recipient: str, message: Message) -> str | None:
        body = {"Text": {"Data": message.text, "Charset": "UTF-8"}}
        if message.html is not None:
            body["Html"] = {"Data": message.html, "Charset": "UTF-8"}
        try:
            response = await self._client.send_email(
                FromEmailAddress=self._sender,
                Destination={"ToAddresses": [recipient]},
                Content={
                    "Simple": {
                        "Subject": {"Data": message.subject or "", "Charset": "UTF-8"},
                        "Body": body,  # type: ignore[typeddict-item]
                    }
                },
            )
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "")
            if code in _REFUSALS:
                raise PermanentSendError(f"SES {code}: {exc}") from exc
            raise
        return response.get("MessageId")
