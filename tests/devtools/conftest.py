"""The fault tests' private PostgreSQL and Redis, for the load test's scaled-out run (test_loadtest.py)."""

from tests.faults.conftest import app_database, private_postgres, private_redis, redis_url  # noqa: F401
