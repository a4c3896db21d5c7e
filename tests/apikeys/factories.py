from apikeys.services import api_key_create


def make_key(owner, name: str = ""):
    """An ApiKey and its full key string, made the way users make them."""
    return api_key_create(owner=owner, name=name)
