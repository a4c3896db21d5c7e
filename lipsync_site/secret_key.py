"""The site secret: SECRET_KEY from the environment, else one generated once under var/.

API key hashes and signed output URLs depend on it, so it must survive restarts; a random
key per process would silently invalidate every API key.
"""

import os
import secrets
from pathlib import Path


def load_or_create_secret_key(path: Path) -> str:
    from_env = os.environ.get("SECRET_KEY")
    if from_env:
        return from_env
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(50)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process created it first
        return path.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key
