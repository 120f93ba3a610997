"""Development and demo: what `make run` uses. Never for a server others can reach."""

from .base import *  # noqa: F403
from .base import INSTALLED_APPS, env, parse_app_today

# Demo seeding, load generation, benchmark and load test (devtools/): here and in the tests, never
# in production (make run calls seed_demo).
INSTALLED_APPS = [*INSTALLED_APPS, "devtools"]

DEBUG = env.bool("DJANGO_DEBUG", default=True)
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="local-development-key-not-for-production-use")
# The demo shows today's world (seed_demo: the 2025 structure, the 2023 programme as history "as
# at" 20/06/2023), so the calendar's date by default; APP_TODAY=dd/mm/yyyy fixes a date for a
# training session.
APP_TODAY = parse_app_today(env.str("APP_TODAY", default=""))
