"""With REDIS_URL set, a Redis that is down or silent costs the cache, never the pages."""

from __future__ import annotations

import logging
import socket
import uuid

import pytest
import redis
from django.core.cache import cache, caches
from django.test import Client
from django.urls import reverse

from safecampus.hazards.models import Hazard
from safecampus.hazards.tests.test_public_report import csrf_post, form_data
from safecampus.lib import cache as cache_module
from safecampus.lib.cache import ResilientRedisCache

CLOSED = "redis://127.0.0.1:1/0"  # nothing listens on port 1
REAL = "redis://127.0.0.1:6379/0"
OPTIONS = {"socket_connect_timeout": 0.25, "socket_timeout": 0.5}


def redis_config(url: str, **extra: object) -> dict[str, dict[str, object]]:
    backend = {"BACKEND": "safecampus.lib.cache.ResilientRedisCache", "LOCATION": url}
    return {"default": {**backend, "OPTIONS": OPTIONS, **extra}}


def redis_up() -> bool:
    try:
        return bool(redis.Redis.from_url(REAL, **OPTIONS).ping())
    except redis.RedisError:
        return False


@pytest.fixture
def redis_down(settings):
    settings.REDIS_URL = CLOSED
    settings.CACHES = redis_config(CLOSED)
    assert isinstance(caches["default"], ResilientRedisCache)


def test_reads_miss_and_writes_do_nothing_while_redis_is_down(redis_down):
    assert cache.set("k", 1) is None
    assert cache.add("k", 1) is False
    assert cache.get("k") is None and cache.get("k", "fallback") == "fallback"
    assert cache.get_or_set("k", 5) == 5
    assert cache.get_many(["k", "j"]) == {}
    assert cache.set_many({"k": 1}) == ["k"]
    assert cache.has_key("k") is False and cache.delete("k") is False
    with pytest.raises(ValueError):
        cache.incr("k")  # a missing key, as Django says it
    cache.delete_many(["k"])
    cache.clear()


def test_pages_work_while_redis_is_down(redis_down, as_user, teacher):
    assert Client().get(reverse("accounts:login")).status_code == 200
    assert as_user(teacher).get("/").status_code == 200


def test_the_public_report_works_and_its_limit_fails_open_while_redis_is_down(
    redis_down, settings, world, categories, caplog
):
    settings.PUBLIC_REPORTS_PER_HOUR = 1
    public = Client(enforce_csrf_checks=True, REMOTE_ADDR="203.0.113.9")
    path = reverse("public:report")
    with caplog.at_level(logging.WARNING, logger="safecampus.lib.cache"):
        first = csrf_post(public, path, form_data(categories, title="一"))
        second = csrf_post(public, path, form_data(categories, title="二"))
    assert (first.status_code, second.status_code) == (302, 302)
    assert Hazard.objects.count() == 2  # over the limit of 1, but the limit cannot be counted
    assert "Redis unreachable" in caplog.text


def test_the_outage_is_logged_once_a_minute_not_on_every_call(redis_down, monkeypatch, caplog):
    clock = [1000.0]
    monkeypatch.setattr(cache_module.time, "monotonic", lambda: clock[0])
    backend = ResilientRedisCache(CLOSED, {"OPTIONS": OPTIONS})
    with caplog.at_level(logging.WARNING, logger="safecampus.lib.cache"):
        assert backend.get("a") is None
        assert not backend.available  # Redis is left alone for a few seconds
        assert backend.get("b") is None
        clock[0] += cache_module.RETRY_AFTER + 1
        assert backend.available
        assert backend.get("c") is None  # tried again, failed again: no second warning yet
        clock[0] += cache_module.WARN_EVERY
        assert backend.get("d") is None
    warnings = [r.getMessage() for r in caplog.records if r.name == "safecampus.lib.cache"]
    assert len(warnings) == 2
    assert "1 more failures" in warnings[1]


def test_a_redis_that_never_answers_is_a_miss_after_the_read_timeout(db, caplog):
    # Accepts connections (the kernel's backlog) but never replies: a hung Redis.
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        url = f"redis://127.0.0.1:{silent.getsockname()[1]}/0"
        backend = ResilientRedisCache(url, {"OPTIONS": OPTIONS})
        with caplog.at_level(logging.WARNING, logger="safecampus.lib.cache"):
            assert backend.get("k", "miss") == "miss"
    assert "TimeoutError" in caplog.text


@pytest.mark.skipif(not redis_up(), reason="needs the Redis server at 127.0.0.1:6379")
def test_the_cache_works_with_a_real_redis(settings):
    prefix = f"test-{uuid.uuid4().hex}"  # the server is shared: never clear() it
    settings.REDIS_URL = REAL
    settings.CACHES = redis_config(REAL, KEY_PREFIX=prefix)
    try:
        cache.set("greeting", {"text": "你好"}, 60)
        assert cache.get("greeting") == {"text": "你好"}
        assert cache.add("counter", 0, 60) is True and cache.add("counter", 5, 60) is False
        assert cache.incr("counter") == 1 and cache.incr("counter", 2) == 3
        assert cache.get_many(["greeting", "nothing"]) == {"greeting": {"text": "你好"}}
        assert caches["default"].available
    finally:
        cache.delete_many(["greeting", "counter"])
    assert cache.get("greeting") is None
