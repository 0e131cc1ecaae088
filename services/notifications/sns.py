"""SnsSmsSender: SMS through Amazon SNS `Publish` to a phone number."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from services.notifications.model import Message
from services.notifications.phone import sms_recipient
from services.notifications.ports import PermanentSendError

if TYPE_CHECKING:
    from types_aiobotocore_sns import SNSClient

_REFUSALS = frozenset(
    {"InvalidParameter", "InvalidParameterValue", "OptedOut", "AuthorizationError"}
)


class SnsSmsSender:
    def __init__(self, client: SNSClient, sender_id: str | None = None) -> None:
        self._client = client
        self._sender_id = sender_id

    async def send(self, recipient: str, message: Message) -> str | None:
        number = sms_recipient(recipient)
        kwargs: dict[str, Any] = {"PhoneNumber": number, "Message": message.text}
        if self._sender_id:
            kwargs["MessageAttributes"] = {
                "AWS.SNS.SMS.SenderID": {"DataType": "String", "StringValue": self._sender_id},
                "AWS.SNS.SMS.SMSType": {"DataType": "String", "StringValue": "Transactional"},
            }
        try:
            response = await self._client.publish(**kwargs)
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "")
            if code in _REFUSALS:
                raise PermanentSendError(f"SNS {code}: {exc}") from exc
            raise
        return response.get("MessageId")
