"""The API's error body: {"error": "<one clear sentence>", "code": "<snake_case>", "fields": {...}}.

Every DRF error under /api/v1/ goes through `api_exception_handler`, so views raise exceptions and
never build error bodies themselves. The codes are the contract's (shared/api-contract.md).
"""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from redis.exceptions import RedisError
from rest_framework import exceptions, status
from rest_framework.views import exception_handler as drf_exception_handler


class InsufficientCredits(exceptions.APIException):
    status_code = status.HTTP_402_PAYMENT_REQUIRED
    default_code = "insufficient_credits"
    default_detail = "Not enough credits for this job."


class IdempotencyConflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "idempotency_conflict"
    default_detail = "This Idempotency-Key was already used with a different request body."


class JobFinished(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "job_finished"


class ServiceUnavailable(exceptions.APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_code = "service_unavailable"
    default_detail = ("A service this request needs (the queue or the cache) is unavailable; "
                      "nothing was changed. Try again in a minute.")
class JobStillRunning(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "job_not_finished"


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "payload_too_large"
    default_detail = "The request body is too large."


# Codes for DRF's own exceptions, by class (first match wins, so subclasses come first).
_CODES: list[tuple[type, str]] = [
    (exceptions.ValidationError, "invalid_request"),
    (exceptions.ParseError, "invalid_request"),
    (exceptions.NotAuthenticated, "unauthenticated"),
    (exceptions.AuthenticationFailed, "unauthenticated"),
    (exceptions.Throttled, "rate_limited"),
    (exceptions.NotFound, "not_found"),
    (exceptions.PermissionDenied, "permission_denied"),
    (exceptions.MethodNotAllowed, "method_not_allowed"),
    (exceptions.UnsupportedMediaType, "unsupported_media_type"),
    (exceptions.NotAcceptable, "not_acceptable"),
]


def api_exception_handler(exc, context):
    if isinstance(exc, Http404):
        exc = exceptions.NotFound("Not found.")
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, RedisError):  # throttles, cache: Redis is down
        exc = ServiceUnavailable()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    response.data = error_body(exc)
    return response


def error_body(exc: exceptions.APIException) -> dict:
    if isinstance(exc, exceptions.ValidationError):
        fields = flatten_fields(exc.detail)
        return {"error": _first_field_sentence(fields), "code": "invalid_request", "fields": fields}
    return {"error": _sentence(exc), "code": _code_of(exc)}


def _code_of(exc: exceptions.APIException) -> str:
    for cls, code in _CODES:
        if isinstance(exc, cls):
            return code
    return exc.default_code


def _sentence(exc: exceptions.APIException) -> str:
    if isinstance(exc, exceptions.NotAuthenticated):
        return "Missing API key: send the header 'Authorization: Bearer sk_<id>_<secret>'."
    if isinstance(exc, exceptions.Throttled) and exc.wait is not None:
        return f"Too many requests; retry in {max(1, int(exc.wait + 0.999))} seconds."
    detail = exc.detail
    if isinstance(detail, list | dict):
        detail = next(iter(flatten_fields(detail).values()))[0]
    return str(detail)


def flatten_fields(detail, prefix: str = "") -> dict[str, list[str]]:
    """{"formState": {"audio": ["..."]}} -> {"formState.audio": ["..."]}."""
    if isinstance(detail, dict):
        flat: dict[str, list[str]] = {}
        for key, value in detail.items():
            name = "body" if key == "non_field_errors" and not prefix else key
            if key == "non_field_errors" and prefix:
                name = ""
            flat.update(flatten_fields(value, f"{prefix}.{name}".strip(".") if name else prefix))
        return flat
    if isinstance(detail, list) and detail and isinstance(detail[0], dict | list):
        flat = {}
        for index, item in enumerate(detail):
            flat.update(flatten_fields(item, f"{prefix}[{index}]"))
        return flat
    messages = detail if isinstance(detail, list) else [detail]
    return {prefix or "body": [str(message) for message in messages]}


def _first_field_sentence(fields: dict[str, list[str]]) -> str:
    if not fields:
        return "The request is invalid."
    name, messages = next(iter(fields.items()))
    if name == "body" or messages[0].startswith(name):
        return messages[0]  # already names its field ("formState.audio could not be ...")
    return f"{name}: {messages[0]}"
