"""The client's address, for every per-address limit (failed logins, API throttles).

REMOTE_ADDR is the peer of the TCP connection. Behind a reverse proxy that is the proxy, so the
proxy's X-Forwarded-For is read instead, but only when REMOTE_ADDR is one of the proxies the
operator listed in LIPSYNC_TRUSTED_PROXIES: anyone can send the header, and a client that could
pick its own address would get a fresh failed-login count with every request. Each proxy appends
the address it saw, so the right-most hop that is not a trusted proxy is the client; entries to
its left were written by the client and are ignored.
"""

import ipaddress
from functools import lru_cache

from django.conf import settings

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def client_ip(request) -> str:
    remote = request.META.get("REMOTE_ADDR") or "unknown"
    proxies = trusted_networks(tuple(settings.LIPSYNC_TRUSTED_PROXIES))
    if not proxies or not _within(remote, proxies):
        return remote
    hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    for hop in reversed([hop for hop in hops if hop]):
        if _address(hop) is None:
            break  # not an address: the chain cannot be followed further
        if not _within(hop, proxies):
            return hop
    return remote


@lru_cache(maxsize=8)
def trusted_networks(entries: tuple[str, ...]) -> tuple[Network, ...]:
    """Addresses or CIDR ranges; raises ValueError naming a malformed entry."""
    networks = []
    for entry in entries:
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError:
            raise ValueError(f"{entry!r} is not an IP address or CIDR range") from None
    return tuple(networks)


def _address(text: str):
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def _within(text: str, networks: tuple[Network, ...]) -> bool:
    address = _address(text)
    return address is not None and any(address in network for network in networks)
