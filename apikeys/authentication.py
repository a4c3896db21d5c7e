"""Bearer API-key authentication for /api/v1/ (the contract's Authentication section)."""

from rest_framework import authentication, exceptions

from apikeys import secrets as keys
from apikeys.selectors import api_key_find
from apikeys.services import api_key_mark_used

HOW_TO = "send the header 'Authorization: Bearer sk_<id>_<secret>'"


class ApiKeyAuthentication(authentication.BaseAuthentication):
    """Authenticates `Authorization: Bearer sk_<key_id>_<secret>`.

    No Authorization header: returns None, so a logged-in browser session can still be used
    (SessionAuthentication comes next). Anything else that is not a valid, active key is a 401
    whose message says which problem it was. On success `request.auth` is the ApiKey, which is
    how the rest of the API knows the call spends API credits.
    """

    keyword = "Bearer"

    def authenticate(self, request):
        header = request.META.get("HTTP_AUTHORIZATION")
        if header is None:
            return None
        parsed = self._parse_header(header)
        api_key = api_key_find(key_id=parsed.key_id)
        # Hash even when the id is unknown, so timing does not tell which ids exist.
        matches = keys.secret_matches(parsed.secret, api_key.secret_hash if api_key else "0" * 64)
        if api_key is None or not matches:
            raise exceptions.AuthenticationFailed(
                "Unknown API key: check that you copied it whole."
            )
        if not api_key.is_active:
            raise exceptions.AuthenticationFailed("This API key was revoked; create a new one.")
        if not api_key.owner.is_active:
            raise exceptions.AuthenticationFailed("The account that owns this API key is disabled.")
        api_key_mark_used(api_key=api_key)
        return api_key.owner, api_key

    def authenticate_header(self, request) -> str:
        return self.keyword

    def _parse_header(self, header: str) -> keys.ParsedKey:
        parts = header.split()
        if not parts or parts[0] != self.keyword:
            raise exceptions.AuthenticationFailed(
                f"Malformed Authorization header: {HOW_TO}."
            )
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(
                f"Malformed Authorization header: expected one key after 'Bearer'; {HOW_TO}."
            )
        try:
            return keys.parse_key(parts[1])
        except keys.MalformedKey as exc:
            raise exceptions.AuthenticationFailed(f"Malformed API key: {exc}") from None
