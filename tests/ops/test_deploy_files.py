"""The files of deploy/ and docs/DEPLOY.md agree with the code they start and configure."""

import ast
import configparser
import os
import re
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from gunicorn.config import KNOWN_SETTINGS

from tasks.forms import MAX_FILES_PER_REPORT
from tasks.spreadsheets import MAX_IMPORT_BYTES
from tasks.uploads import MAX_EVIDENCE_BYTES

BASE = Path(settings.BASE_DIR)
DEPLOY = BASE / "deploy"
SYSTEMD = DEPLOY / "systemd"
GUIDE = (BASE / "docs" / "DEPLOY.md").read_text(encoding="utf-8")
ENV_EXAMPLE = (DEPLOY / "env.example").read_text(encoding="utf-8")
APP_ON_SERVER = "/srv/de-an-06/app/"
SCRIPTS = ["backup.sh", "restore-drill.sh", "with-env.sh"]


def gunicorn_config(monkeypatch, **env) -> dict:
    for name in list(os.environ):
        if name.startswith("GUNICORN_"):
            monkeypatch.delenv(name)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("RUNTIME_DIRECTORY", raising=False)
    namespace: dict = {"__file__": str(DEPLOY / "gunicorn.conf.py")}
    exec(compile((DEPLOY / "gunicorn.conf.py").read_text(), "gunicorn.conf.py", "exec"), namespace)
    return {name: value for name, value in namespace.items() if not name.startswith("_") and name != "os"}


def units() -> dict[str, configparser.ConfigParser]:
    parsed = {}
    for path in sorted(SYSTEMD.glob("de-an-06-*")):
        parser = configparser.ConfigParser(strict=False, interpolation=None)
        parser.optionxform = str
        parser.read(path)
        parsed[path.name] = parser
    return parsed


def exec_start(name: str) -> str:
    return units()[name]["Service"]["ExecStart"]


def env_names_read(path: Path) -> set[str]:
    """Names read with env("X"), env.str("X"), env.bool("X")…, environ.Env().str("X")."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if not (isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant)):
            continue
        func = node.func
        reader = func.value if isinstance(func, ast.Attribute) else func
        is_env = (isinstance(reader, ast.Name) and reader.id == "env") or (
            isinstance(reader, ast.Call) and isinstance(reader.func, ast.Attribute) and reader.func.attr == "Env"
        )
        if is_env and isinstance(node.args[0].value, str):
            names.add(node.args[0].value)
    return names


def test_gunicorn_config_loads_with_the_expected_settings(monkeypatch):
    config = gunicorn_config(monkeypatch)

    assert config["wsgi_app"] == "projectsite.wsgi:application"
    assert config["bind"] == "127.0.0.1:8000"
    assert config["forwarded_allow_ips"] == "127.0.0.1"
    assert config["workers"] == min(2 * (os.cpu_count() or 1) + 1, 12)
    assert config["timeout"] == 60 and config["graceful_timeout"] == 30
    assert config["max_requests"] > 0 and 0 < config["max_requests_jitter"] < config["max_requests"]
    assert config["accesslog"] == "-"
    assert config["control_socket_disable"] is True
    # Every name it sets is a gunicorn setting: a misspelt one would be silently ignored.
    known = {setting.name for setting in KNOWN_SETTINGS}
    assert set(config) <= known, set(config) - known


def test_gunicorn_config_follows_the_environment(monkeypatch):
    config = gunicorn_config(
        monkeypatch, GUNICORN_BIND="10.0.0.11:8000", GUNICORN_WORKERS="3", GUNICORN_FORWARDED_ALLOW_IPS="10.0.0.10"
    )
    assert (config["bind"], config["workers"], config["forwarded_allow_ips"]) == ("10.0.0.11:8000", 3, "10.0.0.10")
    monkeypatch.setenv("RUNTIME_DIRECTORY", "/run/de-an-06-web")
    namespace: dict = {}
    exec((DEPLOY / "gunicorn.conf.py").read_text(), namespace)
    assert namespace["control_socket"] == "/run/de-an-06-web/gunicorn.ctl"


def test_the_web_service_starts_gunicorn_with_the_config_of_this_repository():
    command = exec_start("de-an-06-web.service")
    program, *args = command.split()
    assert program == APP_ON_SERVER + ".venv/bin/gunicorn"
    assert (Path(sys.executable).parent / "gunicorn").exists()
    assert args[:2] == ["-c", "deploy/gunicorn.conf.py"]
    assert (BASE / args[1]).exists()
    assert units()["de-an-06-web.service"]["Service"]["WorkingDirectory"] == APP_ON_SERVER.rstrip("/")


def test_the_worker_and_beat_services_start_celery_on_the_project_app():
    from projectsite.celery_app import app

    assert app.main == "projectsite"
    worker, beat = exec_start("de-an-06-worker.service"), exec_start("de-an-06-beat.service")
    assert (Path(sys.executable).parent / "celery").exists()
    assert worker.startswith(APP_ON_SERVER + ".venv/bin/celery -A projectsite worker ")
    assert beat.startswith(APP_ON_SERVER + ".venv/bin/celery -A projectsite beat ")
    assert f"--scheduler={settings.CELERY_BEAT_SCHEDULER}" in beat.split()
    assert settings.CELERY_BEAT_SCHEDULER == "django_celery_beat.schedulers:DatabaseScheduler"


def test_there_is_exactly_one_beat_and_no_worker_runs_one_inside():
    starts = {name: unit["Service"]["ExecStart"] for name, unit in units().items() if unit.has_section("Service")}
    beats = [name for name, command in starts.items() if " beat " in f" {command} "]
    assert beats == ["de-an-06-beat.service"]
    for command in starts.values():
        assert not {"--beat", "-B"} & set(command.split())


def test_every_service_runs_as_the_service_user_with_the_environment_file():
    for name, unit in units().items():
        if name.endswith(".timer"):
            target = unit["Timer"]["Unit"]
            assert (SYSTEMD / target).exists(), f"{name} starts {target}, which is not in deploy/systemd"
            continue
        service = unit["Service"]
        assert service["User"] == "de-an-06", name
        assert service["EnvironmentFile"] == "/etc/de-an-06/env", name
        program = service["ExecStart"].split()[0]
        assert program.startswith(APP_ON_SERVER), name
        if "/.venv/" not in program:
            script = BASE / program.removeprefix(APP_ON_SERVER)
            assert script.exists() and os.access(script, os.X_OK), f"{name}: {script} is not an executable script"


def test_systemd_accepts_the_units(tmp_path):
    if shutil.which("systemd-analyze") is None:
        pytest.skip("systemd-analyze is not installed: the units' syntax is not checked")
    # The units as installed on a server whose checkout is this one.
    venv_bin = str(Path(sys.executable).parent) + "/"
    for path in SYSTEMD.glob("de-an-06-*"):
        text = path.read_text().replace(APP_ON_SERVER + ".venv/bin/", venv_bin).replace(APP_ON_SERVER, f"{BASE}/")
        (tmp_path / path.name).write_text(text.replace(APP_ON_SERVER.rstrip("/"), str(BASE)))
    result = subprocess.run(
        ["systemd-analyze", "verify", "--man=no", *sorted(str(p) for p in tmp_path.iterdir())],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0 and not result.stderr.strip(), result.stderr


def test_the_scripts_are_executable_bash_in_strict_mode():
    for name in SCRIPTS:
        path = DEPLOY / name
        assert path.stat().st_mode & stat.S_IXUSR, f"chmod +x deploy/{name}"
        text = path.read_text()
        assert text.startswith("#!/usr/bin/env bash\n") and "\nset -euo pipefail\n" in text, name


def test_every_environment_variable_the_settings_read_is_in_the_example_and_the_guide():
    settings_dir = BASE / "projectsite" / "settings"
    read = env_names_read(settings_dir / "base.py") | env_names_read(settings_dir / "production.py")
    assert {"DJANGO_SECRET_KEY", "DATABASE_URL", "REDIS_URL", "MEDIA_ROOT"} <= read  # the parser works
    # RUNTIME_DIRECTORY, the other name gunicorn.conf.py reads, is set by systemd.
    gunicorn = set(re.findall(r'"(GUNICORN_[A-Z_]+)"', (DEPLOY / "gunicorn.conf.py").read_text()))
    scripts_text = "".join((DEPLOY / script).read_text() for script in ["backup.sh", "restore-drill.sh"])
    scripts = set(re.findall(r"\$\{([A-Z_]+):-", scripts_text))
    units_text = "".join(path.read_text() for path in SYSTEMD.glob("*.service"))
    services = set(re.findall(r"\$\{([A-Z_]+)\}", units_text))

    for name in sorted(read | gunicorn | scripts | services | {"DJANGO_SETTINGS_MODULE"}):
        assert re.search(rf"(?m)^#?{name}=", ENV_EXAMPLE), f"{name} is missing from deploy/env.example"
        assert f"`{name}`" in GUIDE, f"{name} is missing from docs/DEPLOY.md"
    for name in re.findall(r"(?m)^#?([A-Z][A-Z0-9_]*)=", ENV_EXAMPLE):
        assert f"`{name}`" in GUIDE, f"deploy/env.example sets {name}, which docs/DEPLOY.md does not explain"


def test_nginx_takes_the_largest_upload_and_is_the_one_proxy():
    conf = (DEPLOY / "nginx" / "de-an-06.conf").read_text()
    size = re.search(r"client_max_body_size (\d+)m;", conf).group(1)
    assert int(size) * 2**20 >= max(MAX_FILES_PER_REPORT * MAX_EVIDENCE_BYTES, MAX_IMPORT_BYTES)
    # nginx replaces what a client sent: the application reads the address it saw, and HTTPS.
    assert "proxy_set_header X-Forwarded-For $remote_addr;" in conf
    assert "proxy_set_header X-Forwarded-Proto https;" in conf
    assert "$proxy_add_x_forwarded_for" not in conf
    assert "server 127.0.0.1:8000;" in conf  # gunicorn's default bind


def test_the_backup_counts_tables_of_the_current_models():
    block = re.search(r"KEY_TABLES=\((.*?)\)", (DEPLOY / "lib.sh").read_text(), re.DOTALL).group(1)
    tables = {model._meta.db_table for model in apps.get_models()} | {"django_migrations"}
    missing = [table for table in block.split() if table not in tables]
    assert not missing, f"deploy/lib.sh counts tables that no model has: {missing}"


def test_the_guide_mentions_every_deploy_file():
    files = [p.relative_to(DEPLOY) for p in DEPLOY.rglob("*") if p.is_file() and "__pycache__" not in p.parts]
    assert len(files) > 10
    assert [str(path) for path in files if path.name not in GUIDE] == []
