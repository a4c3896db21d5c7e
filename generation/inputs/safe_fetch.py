"""Old import path: see media_intake.safe_fetch."""

from media_intake.safe_fetch import (
    CheckedTarget,
    FetchResult,
    check_url,
    fetch_to_file,
    resolve_checked_target,
)

__all__ = ["CheckedTarget", "FetchResult", "check_url", "fetch_to_file",
           "resolve_checked_target"]
