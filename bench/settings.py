"""Settings for bench/load.py only: the app's own settings plus the floor page.

Everything still comes from the environment exactly as in production; the only changes
are the URLconf (the app's routes plus /bench/floor/), a template folder for the floor
page, and where collectstatic writes (load.py points it at a temporary folder so the
benchmark never touches the checkout's staticfiles/).
"""

import os

from plumbline.settings import *  # noqa: F403
from plumbline.settings import BASE_DIR, STATIC_ROOT, TEMPLATES

ROOT_URLCONF = "bench.urls"

# A copy, so plumbline.settings.TEMPLATES is left as it was.
TEMPLATES = [
    {**TEMPLATES[0], "DIRS": [*TEMPLATES[0]["DIRS"], BASE_DIR / "bench" / "templates"]},
    *TEMPLATES[1:],
]

STATIC_ROOT = os.environ.get("BENCH_STATIC_ROOT") or STATIC_ROOT
