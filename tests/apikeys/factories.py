from rest_framework.test import APIClient

from apikeys.services import api_key_create


def make_key(owner, name: str = ""):
    """An ApiKey and its full key string, made the way users make them."""
    return api_key_create(owner=owner, name=name)


def key_client(user) -> APIClient:
    """An API client calling as `user` with a fresh API key."""
    _, full_key = make_key(user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {full_key}")
    return client
