"""The Redis cache keeps one Redis client per connection pool and behaves as Django's."""

from __future__ import annotations

import secrets
import socket

import pytest
from django.core.cache.backends.redis import RedisCache as DjangoRedisCache

from studyapp.core.cache import RedisCache

REDIS = "redis://127.0.0.1:6379/15"


def _redis_answers() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), 1) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def test_one_client_per_pool_without_a_server():
    cache = RedisCache(REDIS, {})
    client = cache._cache.get_client("a")
    assert cache._cache.get_client("b", write=True) is client
    assert isinstance(cache, DjangoRedisCache)
    replicas = RedisCache("redis://127.0.0.1:6379/15,redis://127.0.0.1:6379/14", {})
    writer = replicas._cache.get_client(write=True)
    reader = replicas._cache.get_client()
    assert reader is not writer
    assert replicas._cache.get_client() is reader
    assert reader.connection_pool is not writer.connection_pool


@pytest.mark.skipif(not _redis_answers(), reason="no Redis server on 127.0.0.1:6379")
def test_it_stores_and_reads_as_djangos_does():
    ours, theirs = RedisCache(REDIS, {}), DjangoRedisCache(REDIS, {})
    key = f"test-cache-{secrets.token_hex(8)}"
    try:
        ours.set(key, {"user": 1, "text": "é" * 10}, 30)
        assert theirs.get(key) == ours.get(key) == {"user": 1, "text": "é" * 10}
        assert ours.add(key, "other", 30) is False
        assert ours.incr_version(key) == 2
        assert ours.get(key, version=2) == {"user": 1, "text": "é" * 10}
        assert ours.delete(key, version=2) and ours.get(key, version=2) is None
    finally:
        theirs.delete(key)
        theirs.delete(key, version=2)
