"""The address of the person behind a request, as login throttling and rate limits must see it.

Behind a reverse proxy (the Ingress, a cloud load balancer) REMOTE_ADDR is the proxy's address,
shared by everyone. Each trusted proxy appends the address it received the request from to
X-Forwarded-For, so with TRUSTED_PROXY_COUNT proxies in front of the app the client's address is
the TRUSTED_PROXY_COUNT-th entry from the right; anything further left was written by the client
and can be forged. With TRUSTED_PROXY_COUNT = 0 (development, or the app reached directly) the
header is ignored and REMOTE_ADDR is the client.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from ipware import get_client_ip


def client_ip(request: HttpRequest) -> str:
    """Return the client's address: from X-Forwarded-For behind trusted proxies, else the peer."""
    remote = request.META.get("REMOTE_ADDR", "") or ""
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies <= 0:
        return remote
    # django-ipware's "left-most" order with proxy_count=N-1 takes the N-th entry from the right
    # (its count is of the hops after the client in the header); not strict, so a longer chain
    # (forged entries on the left) still resolves to the address our outermost proxy wrote.
    address, _ = get_client_ip(
        request,
        proxy_order="left-most",
        proxy_count=proxies - 1,
        request_header_order=["HTTP_X_FORWARDED_FOR"],
        strict=False,
    )
    return address or remote
