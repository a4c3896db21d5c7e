"""Making, parsing and hashing the API key string `sk_<key_id>_<secret>`."""

import hashlib
import hmac
import re
import secrets
import string
from dataclasses import dataclass

from django.conf import settings

from apikeys.models import KEY_PREFIX

KEY_ID_ALPHABET = string.ascii_lowercase + string.digits
KEY_ID_LENGTH = 8
SECRET_MIN_LENGTH = 32
SECRET_BYTES = 32  # token_urlsafe(32) gives 43 characters
_KEY_RE = re.compile(rf"^{KEY_PREFIX}([a-z0-9]{{{KEY_ID_LENGTH}}})_([A-Za-z0-9_-]+)$")


class MalformedKey(ValueError):
    """The string is not shaped like an API key; the message says how."""


@dataclass(frozen=True)
class ParsedKey:
    key_id: str
    secret: str


def new_key_id() -> str:
    return "".join(secrets.choice(KEY_ID_ALPHABET) for _ in range(KEY_ID_LENGTH))


def new_secret() -> str:
    return secrets.token_urlsafe(SECRET_BYTES)


def format_key(key_id: str, secret: str) -> str:
    return f"{KEY_PREFIX}{key_id}_{secret}"


def parse_key(raw: str) -> ParsedKey:
    if not raw.startswith(KEY_PREFIX):
        raise MalformedKey(f"API keys start with '{KEY_PREFIX}'.")
    match = _KEY_RE.match(raw)
    if not match:
        raise MalformedKey(
            f"expected {KEY_PREFIX}<{KEY_ID_LENGTH} lowercase letters or digits>_<secret>."
        )
    key_id, secret = match.groups()
    if len(secret) < SECRET_MIN_LENGTH:
        raise MalformedKey("the secret part is too short; copy the whole key.")
    return ParsedKey(key_id=key_id, secret=secret)


def hash_secret(secret: str) -> str:
    """HMAC-SHA256 keyed with the site secret: a leaked table alone cannot be brute-forced."""
    pepper = (settings.API_KEY_HASH_SECRET or settings.SECRET_KEY).encode()
    return hmac.new(pepper, secret.encode(), hashlib.sha256).hexdigest()


def secret_matches(secret: str, stored_hash: str) -> bool:
    return hmac.compare_digest(hash_secret(secret), stored_hash)
