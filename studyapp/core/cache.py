"""The Redis cache (and so the sessions kept in it) with one Redis client per connection pool.

Django's Redis backend builds a new `redis.Redis` for every cache call, and each one sets up its
table of response callbacks (about a hundred entries): on the study pages that is a tenth of a
millisecond of CPU per request, to read the session. A client is safe to share between threads
(each command takes a connection from the pool), so one per pool is kept and reused.
"""

from __future__ import annotations

from typing import Any

from django.core.cache.backends import redis


class RedisCacheClient(redis.RedisCacheClient):
    """Django's Redis cache client, reusing one `redis.Redis` per connection pool."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, Any] = {}

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        """Return the client of the pool a call with `write` goes to (made once per pool)."""
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))  # pools live as long as this object
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class RedisCache(redis.RedisCache):
    """Django's Redis cache backend with `RedisCacheClient` above."""

    def __init__(self, server: str, params: dict) -> None:
        super().__init__(server, params)
        self._class = RedisCacheClient
