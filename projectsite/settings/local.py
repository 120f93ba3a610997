"""Development and demo: what `make run` uses. Never for a server others can reach."""

from .base import *  # noqa: F403
from .base import INSTALLED_APPS, env, parse_app_today

# Demo seeding, load generation, benchmark and load test (devtools/): here and in the tests, never
# in production (make run calls seed_demo).
INSTALLED_APPS = [*INSTALLED_APPS, "devtools"]

DEBUG = env.bool("DJANGO_DEBUG", default=True)
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="local-development-key-not-for-production-use")
# The demo data are as of 20/06/2023, ten days before the e-ID deadline of 30/06/2023.
# APP_TODAY=off follows the calendar.
APP_TODAY = parse_app_today(env.str("APP_TODAY", default="20/06/2023"))
