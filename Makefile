# Two commands on a fresh clone with only Python 3.11+:
#   make run    migrate, seed the demo when the database is empty, serve http://127.0.0.1:8000
#               with a Celery worker and beat (which at once decides today's reminders: see
#               "Thư đã gửi" in the menu, and the .eml files in var/mail); Ctrl-C stops all three
#   make test   the whole test suite, in parallel processes (pytest-xdist; PYTEST_ARGS="-n 0" for one)
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cat requirements.lock requirements-dev.lock | cksum | cut -d' ' -f1)
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint format messages check-deploy lock clean

$(PY):
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed; set PYTHON=python3.x")'
	$(PYTHON) -m venv $(VENV)

# The lock files pin the whole dependency tree, so a clone installs what CI tested.
$(STAMP): requirements.lock requirements-dev.lock | $(PY)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.lock
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

# seed_demo belongs to devtools/, which the local settings (manage.py's default) install and
# production's do not. The worker has no -Q: it takes every Celery queue (CELERY_TASK_QUEUES).
run: $(STAMP)
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo --if-empty
	@echo "Trang web: http://$(HOST):$(PORT)/  (Ctrl-C để dừng máy chủ web, worker và beat)"
	@$(VENV)/bin/celery -A projectsite worker --beat --loglevel=INFO --concurrency=1 & CELERY=$$!; \
	trap 'kill $$CELERY 2>/dev/null; wait $$CELERY 2>/dev/null' INT TERM EXIT; \
	$(PY) manage.py send_reminders --enqueue; \
	$(PY) manage.py runserver $(HOST):$(PORT)

test: $(STAMP)
	$(PY) -m pytest -n auto --dist loadgroup $(PYTEST_ARGS)

# lint-imports: the layers devtools > reports > tasks > units > projectsite and no circles
# (pyproject.toml, [tool.importlinter]).
lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

format: $(STAMP)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# Needs GNU gettext; the compiled .mo files are committed so that nobody else does.
messages: $(STAMP)
	$(PY) manage.py makemessages --locale vi --no-obsolete --ignore '.venv/*' --ignore 'var/*' --ignore 'static/*' --ignore 'tests/*'
	$(PY) manage.py compilemessages --locale vi --ignore '.venv/*'

check-deploy: $(STAMP)
	DJANGO_SETTINGS_MODULE=projectsite.settings.production DJANGO_SECRET_KEY=$$(head -c 48 /dev/urandom | base64) \
	DJANGO_ALLOWED_HOSTS=example.org $(PY) manage.py check --deploy --fail-level WARNING

# After editing requirements.txt or requirements-dev.txt: re-resolve the lock files (pip-tools in a
# virtualenv of its own, so that it never lands in the application's).
lock:
	test -x .venv-tools/bin/pip-compile || ($(PYTHON) -m venv .venv-tools && .venv-tools/bin/pip install --quiet pip-tools)
	.venv-tools/bin/pip-compile --quiet --strip-extras --allow-unsafe --no-emit-index-url --no-emit-find-links -o requirements.lock requirements.txt
	.venv-tools/bin/pip-compile --quiet --strip-extras --allow-unsafe --no-emit-index-url --no-emit-find-links -o requirements-dev.lock requirements-dev.txt

clean:
	rm -rf $(VENV) .venv-tools var .pytest_cache .ruff_cache .import_linter_cache
