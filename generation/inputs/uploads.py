"""Old import path: see media_intake.upload_checks."""

from media_intake.upload_checks import check_upload_size, check_uploaded_file, sniff_kind

__all__ = ["check_upload_size", "check_uploaded_file", "sniff_kind"]
