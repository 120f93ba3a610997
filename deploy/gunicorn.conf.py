"""gunicorn's configuration: `gunicorn -c deploy/gunicorn.conf.py` (de-an-06-web.service).

Every value can be changed from the environment file without editing this one; see
docs/DEPLOY.md, "Environment file", and deploy/env.example.
"""

import os


def _int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


wsgi_app = "projectsite.wsgi:application"

# Only nginx on the same machine talks to gunicorn. On a web server behind an nginx on another
# machine, bind to the private address and name that nginx in GUNICORN_FORWARDED_ALLOW_IPS.
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# Who may tell gunicorn that a request came over HTTPS (X-Forwarded-Proto): the one proxy.
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")

# Synchronous workers, one request at a time each: 2 x cores + 1, at most 12 (each is a
# Python process of ~100 MB with its own database connection pool; see DB_POOL_MAX).
workers = _int("GUNICORN_WORKERS", min(2 * (os.cpu_count() or 1) + 1, 12))
# A request still running after this many seconds is killed (Excel exports of a whole
# province take a few seconds; nginx's proxy_read_timeout is a little longer).
timeout = _int("GUNICORN_TIMEOUT", 60)
# On restart (systemctl reload / restart) a worker may finish its request for this long.
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
# Recycle each worker after about this many requests, staggered so that they do not all
# restart at once: keeps a slow leak from growing.
max_requests = _int("GUNICORN_MAX_REQUESTS", 1000)
max_requests_jitter = _int("GUNICORN_MAX_REQUESTS_JITTER", 100)
# The heartbeat file on a RAM disk: on a busy disk fchmod can stall a worker (gunicorn's FAQ).
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None

# Logs to stdout/stderr: journald keeps them (journalctl -u de-an-06-web). The client's address
# is the one nginx puts in X-Forwarded-For.
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
access_log_format = '%({x-forwarded-for}i)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s %(M)sms "%(f)s" "%(a)s"'

proc_name = "de-an-06-web"
# gunicorn's control socket (gunicornc) goes in the service's runtime folder (RuntimeDirectory=
# in de-an-06-web.service); elsewhere (a run by hand) there is none, rather than one in $HOME.
if os.environ.get("RUNTIME_DIRECTORY"):
    control_socket = os.path.join(os.environ["RUNTIME_DIRECTORY"].split(":")[0], "gunicorn.ctl")
else:
    control_socket_disable = True
