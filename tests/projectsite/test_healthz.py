"""/healthz: the database and the broker, "ok" or "error", 200 or 503, for a monitor without login."""

import json
import os
import subprocess
import sys
from unittest import mock

from django.conf import settings as django_settings
from django.db import OperationalError
from django.urls import reverse
from kombu import Connection

from projectsite.health import BROKER_TIMEOUT

URL = "/healthz"


def test_it_answers_200_when_the_database_and_the_broker_work(client, db):
    response = client.get(URL)
    assert response.status_code == 200
    assert response.json() == {"database": "ok", "broker": "ok"}
    assert "no-cache" in response["Cache-Control"]
    assert reverse("healthz") == URL


def test_it_needs_no_login_and_answers_head_requests(client, db):
    assert client.head(URL).status_code == 200
    assert "_auth_user_id" not in client.session


def test_a_database_error_answers_503_without_details(client, db):
    with mock.patch("projectsite.health.connection") as connection:
        cursor = connection.cursor.return_value.__enter__.return_value
        cursor.execute.side_effect = OperationalError("could not connect to server: secret-host:5432")
        response = client.get(URL)
    assert response.status_code == 503
    assert response.json() == {"database": "error", "broker": "ok"}
    assert b"secret-host" not in response.content


def test_an_unreachable_broker_answers_503_after_one_bounded_try(client, db, settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    # How long that takes is bench's business; here: one try, with the probe's timeout, no retry loop.
    with mock.patch.object(
        Connection, "ensure_connection", autospec=True, side_effect=Connection.ensure_connection
    ) as tried:
        response = client.get(URL)
    assert response.status_code == 503
    assert response.json() == {"database": "ok", "broker": "error"}
    [attempt] = tried.call_args_list
    assert attempt.kwargs == {"max_retries": 0, "timeout": BROKER_TIMEOUT}


def test_an_unwritable_broker_folder_is_an_error(client, db, settings, tmp_path):
    settings.CELERY_BROKER_URL = "filesystem://"
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {"data_folder_in": str(tmp_path / "missing")}
    response = client.get(URL)
    assert response.status_code == 503
    assert response.json()["broker"] == "error"


def production_setting(name: str):
    probe = f"import json, django; django.setup(); from django.conf import settings; print(json.dumps(settings.{name}))"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "projectsite.settings.production",
        "DJANGO_SECRET_KEY": "x" * 50,
        "DJANGO_ALLOWED_HOSTS": "example.org",
    }
    out = subprocess.run(
        [sys.executable, "-c", probe],
        env=env,
        cwd=django_settings.BASE_DIR,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_production_answers_it_over_plain_http(client, db, settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_REDIRECT_EXEMPT = production_setting("SECURE_REDIRECT_EXEMPT")
    assert client.get(URL).status_code == 200
    assert client.get(reverse("login")).status_code == 301  # everything else goes to https
