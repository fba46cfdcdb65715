"""The client's address behind reverse proxies that are named, and only those.

``GOVERN_TRUSTED_PROXIES`` lists addresses or networks (``127.0.0.1, 10.0.0.0/8``). When the socket peer is
one of them, ``X-Forwarded-For`` is read from the right, skipping further trusted hops, and the first
untrusted address becomes ``REMOTE_ADDR`` (``X-Forwarded-Proto`` from the nearest trusted proxy becomes the
scheme). From any other peer the headers are ignored, so a client cannot choose its own address and escape
the sign-in throttle. This is werkzeug's ProxyFix with the hop count replaced by a list of trusted proxies.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_networks(spec: str | Iterable[str]) -> list[Network]:
    """``"127.0.0.1, 10.0.0.0/8"`` → networks; raises ValueError on a bad entry (a typo must not trust all)."""
    items = spec.replace(";", ",").split(",") if isinstance(spec, str) else list(spec)
    return [ipaddress.ip_network(item.strip(), strict=False) for item in items if item and item.strip()]


def _address(value: str):
    try:
        return ipaddress.ip_address(value.strip().strip("[]"))
    except ValueError:
        return None


class TrustedProxies:
    """WSGI middleware: believe ``X-Forwarded-For``/``-Proto`` only from the trusted proxies."""

    def __init__(self, app, networks: list[Network]):
        self.app = app
        self.networks = networks

    def trusted(self, addr) -> bool:
        return addr is not None and any(addr in net for net in self.networks)

    def client_of(self, peer: str, forwarded_for: str) -> str:
        if not self.trusted(_address(peer)):
            return peer
        hops = [h.strip() for h in forwarded_for.split(",") if h.strip()]
        client = peer
        for hop in reversed(hops):
            addr = _address(hop)
            if addr is None:  # garbage in the header: stop believing it here
                break
            client = str(addr)
            if not self.trusted(addr):
                break
        return client

    def __call__(self, environ, start_response):
        peer = environ.get("REMOTE_ADDR", "")
        if self.trusted(_address(peer)):
            environ["govern.proxy_peer"] = peer
            environ["REMOTE_ADDR"] = self.client_of(peer, environ.get("HTTP_X_FORWARDED_FOR", ""))
            proto = environ.get("HTTP_X_FORWARDED_PROTO", "").split(",")[-1].strip().lower()
            if proto in ("http", "https"):
                environ["wsgi.url_scheme"] = proto
        return self.app(environ, start_response)
