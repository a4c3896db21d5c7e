"""Safe intake of user inputs: fetch URLs without SSRF, check uploads, sniff and decode media.

Plain Python (no Django): settings arrive as arguments.
    safe_fetch.fetch_to_file(url, dest, field=..., kind=..., allow_private=...) -> FetchResult
    media.probe(path, field=..., kind=...) -> ImageInfo | AudioInfo | VideoInfo
    upload_checks.check_uploaded_file(path, kind=..., field="file") -> the same infos
Every failure is errors.InputError(field, message).
"""

from .errors import InputError

__all__ = ["InputError"]
