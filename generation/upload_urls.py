"""URLs of uploads: how a formState input names one of the caller's uploads instead of a public
URL (used at submit, by the uploads endpoint and by the worker)."""

import re
from urllib.parse import urlsplit
from uuid import UUID

from django.conf import settings

from generation.models import Upload
from generation.serializers import MEDIA_FIELDS

UPLOAD_PATH = re.compile(r"^/api/v1/uploads/([0-9a-fA-F-]{36})/?$")


def upload_url(upload: Upload) -> str:
    return f"{settings.SITE_URL}/api/v1/uploads/{upload.id}"


def upload_id_from_url(url: str) -> UUID | None:
    """The upload id when `url` is one of this site's upload URLs, else None."""
    site, parts = urlsplit(settings.SITE_URL), urlsplit(url)
    if (parts.scheme, parts.netloc) != (site.scheme, site.netloc):
        return None
    match = UPLOAD_PATH.match(parts.path)
    return UUID(match.group(1)) if match else None


def media_fields(form_state: dict) -> dict[str, str]:
    """{formState field: URL} for the inputs this job has."""
    return {name: form_state[name] for name in MEDIA_FIELDS if form_state.get(name)}
