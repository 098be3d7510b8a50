"""Settings for the test suite: the real settings, with tasks run inline and a fast hasher."""

from .settings import *  # noqa: F403

TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Tests refresh the indicators explicitly (engine.refresh); one test turns this on.
CRECER_INDICATORS_AUTO_REFRESH = False
# No cache by default (tests/tablero/test_cache.py turns on an in-memory one).
CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
