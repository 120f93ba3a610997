import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "projectsite.settings.local")

app = Celery("projectsite")
# Every CELERY_* setting configures Celery; see projectsite/settings/base.py.
app.config_from_object("django.conf:settings", namespace="CELERY")
# Celery work lives in jobs.py ("tasks" is the domain's word for nhiệm vụ).
app.autodiscover_tasks(related_name="jobs")
