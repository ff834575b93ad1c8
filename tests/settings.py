"""Settings for the test suite: the real settings, plus what only tests need."""

import os

os.environ.setdefault("DJANGO_SECRET_KEY", "tests-only-not-a-secret")
os.environ.setdefault("DJANGO_HTTPS", "false")
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")
os.environ.setdefault("WHITENOISE_USE_FINDERS", "true")

from plumbline.settings import *  # noqa: F403
from plumbline.settings import STORAGES

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# No manifest in tests: static files are found where they lie.
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# WhiteNoise looks for collected files only where they exist; tests use the finders.
STATIC_ROOT = None

# Tests run background tasks by hand (see tests/stories/test_recheck.py).
TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}

# Tests run inside a transaction, where nothing commits and so the cache would never hear
# of a change; tests/stories/test_dashboard_cache.py turns it on with commits.
PLUMBLINE_DASHBOARD_CACHE_SECONDS = 0
PLUMBLINE_LIST_CACHE_SECONDS = 0
