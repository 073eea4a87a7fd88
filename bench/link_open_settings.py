"""Settings of the link-open benchmark: the real site's, plus a bare view as the reference."""

from omo.settings import *  # noqa: F401,F403

ROOT_URLCONF = "bench.link_open_urls"
DEBUG = False
# As in production (omo/settings/production.py), without its HTTPS redirect: persistent connections.
DATABASES["default"]["CONN_MAX_AGE"] = 60  # noqa: F405
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True  # noqa: F405
