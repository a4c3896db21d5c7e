"""Limits on inputs, by kind. The API contract and the generation issue fix these numbers."""

MB = 1_000_000

# Kinds of input, named after what the file must contain; "mask_image" is an image.
KINDS = ("image", "audio", "video", "mask_image")

MAX_BYTES: dict[str, int] = {
    "image": 20 * MB,
    "audio": 100 * MB,
    "video": 500 * MB,
    "mask_image": 20 * MB,
}

MAX_IMAGE_PIXELS = 40_000_000
MAX_MEDIA_SECONDS = 600


def max_bytes_for(kind: str) -> int:
    try:
        return MAX_BYTES[kind]
    except KeyError:
        known = ", ".join(KINDS)
        raise ValueError(f"Unknown input kind {kind!r}; expected one of {known}.") from None


def describe_bytes(size: int) -> str:
    """20000000 -> "20 MB"; sizes in decimal megabytes, as the contract writes them."""
    if size >= MB:
        return f"{size / MB:g} MB"
    if size >= 1000:
        return f"{size / 1000:g} kB"
    return f"{size} bytes"
