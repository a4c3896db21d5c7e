"""Submit-time checks of the URLs in a request: refuse private-network targets at once (no job,
no credits). The worker checks again when it fetches, since DNS answers can change."""

from django.conf import settings
from rest_framework.exceptions import ValidationError

from generation.upload_urls import media_fields, upload_id_from_url
from media_intake.errors import InputError
from media_intake.safe_fetch import check_url


def check_submission_urls(data: dict) -> None:
    errors: dict[str, list[str]] = {}
    for name, url in media_fields(data["formState"]).items():
        if upload_id_from_url(url) is None:
            _check(f"formState.{name}", url, errors)
    if data.get("webhook"):
        _check("webhook", data["webhook"], errors)
    if errors:
        raise ValidationError(errors)


def _check(field: str, url: str, errors: dict) -> None:
    try:
        check_url(url, field=field, allow_private=settings.LIPSYNC_ALLOW_PRIVATE_URLS)
    except InputError as exc:
        errors[field] = [str(exc)]
