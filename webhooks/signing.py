"""Standard Webhooks signatures (https://www.standardwebhooks.com), made by the reference
`standardwebhooks` library so that receivers verifying with it always agree with us."""

import base64
import secrets
import uuid
from datetime import UTC, datetime

from standardwebhooks.webhooks import Webhook

from webhooks.models import SECRET_PREFIX

SECRET_BYTES = 32  # the specification asks for 24 to 64 random bytes


def new_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode("ascii")


def new_message_id() -> str:
    return f"msg_{uuid.uuid4().hex}"


def signature_headers(*, secret: str, message_id: str, body: bytes, at: datetime) -> dict:
    """The three headers for one attempt: the id stays, the timestamp is the attempt's (so a
    retry a day later still passes the receiver's replay window)."""
    at = at.astimezone(UTC).replace(microsecond=0)
    signature = Webhook(secret).sign(msg_id=message_id, timestamp=at, data=body.decode("utf-8"))
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": signature,
    }
