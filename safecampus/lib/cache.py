"""A Redis cache that degrades to "no cache" while Redis is unreachable.

Django's RedisCache raises on every connection error, so a Redis restart would turn every page
that touches the cache into a 500. Nothing SafeCampus keeps in the cache is the only copy of
anything (sessions and lockouts live in the database), so while Redis is down a read is a miss
and a write does nothing. After a failure the backend leaves Redis alone for a few seconds: a
Redis that drops packets would otherwise cost the connect timeout on every call of every page.
The outage is logged as a warning at most once a minute per process, not once per call.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

T = TypeVar("T")
UNREACHABLE = (RedisConnectionError, RedisTimeoutError)
RETRY_AFTER = 5.0  # seconds without trying Redis after a failure
WARN_EVERY = 60.0  # seconds between two warnings about the same outage


class ResilientRedisCache(RedisCache):
    """RedisCache whose reads miss and writes do nothing while Redis is unreachable."""

    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._down_until = 0.0
        self._warned_at = -WARN_EVERY
        self._suppressed = 0

    def _call(self, operation: str, fallback: Callable[[], T], call: Callable[[], T]) -> T:
        if time.monotonic() < self._down_until:
            return fallback()
        try:
            return call()
        except UNREACHABLE as exc:
            self._failed(operation, exc)
            return fallback()

    def _failed(self, operation: str, exc: Exception) -> None:
        now = time.monotonic()
        self._down_until = now + RETRY_AFTER
        if now - self._warned_at < WARN_EVERY:
            self._suppressed += 1
            return
        logger.warning(
            "cache: Redis unreachable during %s (%s: %s); serving without the cache "
            "(%d more failures since the last warning)",
            operation,
            type(exc).__name__,
            exc,
            self._suppressed,
        )
        self._warned_at, self._suppressed = now, 0

    @property
    def available(self) -> bool:
        """False for a few seconds after Redis failed (for callers that want to say so)."""
        return time.monotonic() >= self._down_until

    def add(
        self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None
    ) -> bool:
        parent = super().add
        return self._call("add", lambda: False, lambda: parent(key, value, timeout, version))

    def get(self, key: Any, default: Any = None, version: int | None = None) -> Any:
        parent = super().get
        return self._call("get", lambda: default, lambda: parent(key, default, version))

    def set(
        self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None
    ) -> None:
        parent = super().set
        self._call("set", lambda: None, lambda: parent(key, value, timeout, version))

    def touch(self, key: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> bool:
        parent = super().touch
        return self._call("touch", lambda: False, lambda: parent(key, timeout, version))

    def delete(self, key: Any, version: int | None = None) -> bool:
        parent = super().delete
        return self._call("delete", lambda: False, lambda: parent(key, version))

    def get_many(self, keys: Iterable[Any], version: int | None = None) -> dict[Any, Any]:
        parent = super().get_many
        return self._call("get_many", dict, lambda: parent(keys, version))

    def has_key(self, key: Any, version: int | None = None) -> bool:
        parent = super().has_key
        return self._call("has_key", lambda: False, lambda: parent(key, version))

    def incr(self, key: Any, delta: int = 1, version: int | None = None) -> int:
        def missing() -> int:
            # What Django raises for a missing key: callers already handle it as a miss.
            raise ValueError(f"Key '{key}' not found (cache unavailable)")

        parent = super().incr
        return self._call("incr", missing, lambda: parent(key, delta, version))

    def set_many(
        self, data: dict[Any, Any], timeout: Any = DEFAULT_TIMEOUT, version: int | None = None
    ) -> list[Any]:
        parent = super().set_many
        # Django's contract: the keys that failed to be stored.
        return self._call("set_many", lambda: list(data), lambda: parent(data, timeout, version))

    def delete_many(self, keys: Iterable[Any], version: int | None = None) -> None:
        parent = super().delete_many
        self._call("delete_many", lambda: None, lambda: parent(keys, version))

    def clear(self) -> None:
        parent = super().clear
        self._call("clear", lambda: None, parent)
