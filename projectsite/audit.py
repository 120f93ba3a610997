"""The audit log: one line per security event and per change of data, on the logger "audit".

A line is ``key=value`` pairs (logfmt; values with spaces, quotes or ``=`` in JSON quotes)::

    action=login.failed user=- unit=- ip=203.0.113.7 username=head-412
    action=assignment.status_changed user=head-412 unit=412 obj=tasks.assignment:17 changes={...}

Logins, failed logins and logouts come from Django's auth signals, 403 answers from
``AccessDeniedAuditMiddleware``, changes from the history (every ``HistoryEntry`` saved, and
``history_recorded`` where entries are bulk-created), from the admin's own log and from the few
services that write without history. A change is written when its transaction commits: a
rolled-back change did not happen. Passwords are never written.
"""

import json
import logging
from functools import partial

from django.apps import apps
from django.contrib.admin.models import ADDITION, CHANGE, DELETION, LogEntry
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Model
from django.db.models.signals import post_save

from .throttling import client_ip

logger = logging.getLogger("audit")

ADMIN_ACTIONS = {ADDITION: "admin.added", CHANGE: "admin.changed", DELETION: "admin.deleted"}


def _unit_model():
    """The unit model, named by its label as ``connect`` names tasks.HistoryEntry: the audit log serves
    every app and imports none (it sits below them, the layers contract in pyproject.toml)."""
    return apps.get_model("units", "Unit")


def _history_subject(entry) -> tuple[str, Model]:
    """What a history entry is about, named as the pages name it."""
    if entry.assignment_id:
        return "assignment", entry.assignment
    if entry.target_id:
        return "target", entry.target
    if getattr(entry, "slot_id", None):
        return "periodic_report", entry.slot
    return "figure", entry.report


def _text(value) -> str:
    if value is None or value == "":
        return "-"
    text = (
        json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)
        if isinstance(value, dict | list)
        else str(value)
    )
    if any(char in text for char in ' "=\\') or not text.isprintable():
        return json.dumps(text, ensure_ascii=False)
    return text


def _unit_code(unit) -> str | None:
    """``unit`` is a Unit, a unit's key or already its code (a str)."""
    if unit is None or isinstance(unit, str):
        return unit
    model = _unit_model()
    if isinstance(unit, model):
        return unit.code
    return model.objects.filter(pk=unit).values_list("code", flat=True).first()


def _username(user) -> str | None:
    if user is None or not getattr(user, "is_authenticated", True):
        return None
    return user if isinstance(user, str) else user.get_username()


def _ref(obj) -> str | None:
    if isinstance(obj, Model):
        return f"{obj._meta.label_lower}:{obj.pk}"
    return obj


def record(action: str, *, user=None, unit=None, obj=None, request=None, on_commit: bool = False, **fields) -> None:
    """Write one line: ``action`` by ``user`` for ``unit`` about ``obj``, plus ``fields``.

    ``unit`` defaults to the user's unit. With ``on_commit`` the line is written when the
    current transaction commits (at once outside a transaction), never if it rolls back.
    """
    if not logger.isEnabledFor(logging.INFO):
        return
    if unit is None and user is not None and getattr(user, "unit_id", None):
        unit = user.unit_id
    pairs = {"action": action, "user": _username(user), "unit": _unit_code(unit)}
    if obj is not None:
        pairs["obj"] = _ref(obj)
    if request is not None:
        pairs["ip"] = client_ip(request)
    pairs.update(fields)
    line = " ".join(f"{key}={_text(value)}" for key, value in pairs.items())
    emit = partial(logger.info, line, extra={"audit": pairs})
    if on_commit:
        transaction.on_commit(emit, robust=True)
    else:
        emit()


def history_recorded(entries) -> None:
    """One line per history entry (``HistoryEntry``): what changed, by whom, in which unit.

    Saved entries come here by themselves (post_save); call it where entries are bulk-created.
    """
    entries = list(entries)
    if not entries or not logger.isEnabledFor(logging.INFO):
        return
    codes = dict(_unit_model().objects.filter(pk__in={entry.unit_id for entry in entries}).values_list("pk", "code"))
    for entry in entries:
        kind, about = _history_subject(entry)
        fields = {"changes": entry.changes}
        if entry.import_record_id:
            fields["import"] = entry.import_record_id
        record(
            f"{kind}.{entry.action}",
            user=entry.user,
            unit=codes.get(entry.unit_id),
            obj=about,
            on_commit=True,
            **fields,
        )


class AccessDeniedAuditMiddleware:
    """Every 403 answer (a role's page refused, a write refused, a CSRF failure) gets a line."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code == 403:
            record(
                "access.denied",
                user=getattr(request, "user", None),
                request=request,
                method=request.method,
                path=request.path[:300],
            )
        return response


def _logged_in(sender, request, user, **kwargs):
    record("login.succeeded", user=user, request=request)


def _login_failed(sender, credentials, request=None, **kwargs):
    # Django has already masked the password in ``credentials``; only the username is written.
    fields = {"username": str(credentials.get("username", ""))[:150]}
    if request is not None and getattr(request, "axes_locked_out", False):
        fields["locked_out"] = "yes"
    record("login.failed", request=request, **fields)


def _logged_out(sender, request, user, **kwargs):
    record("logout", user=user, request=request)


def _history_saved(sender, instance, created, raw=False, **kwargs):
    if created and not raw:
        history_recorded([instance])


def _admin_logged(sender, instance, created, raw=False, **kwargs):
    if not created or raw:
        return
    content_type = ContentType.objects.get_for_id(instance.content_type_id)
    record(
        ADMIN_ACTIONS.get(instance.action_flag, "admin.other"),
        user=instance.user,
        obj=f"{content_type.app_label}.{content_type.model}:{instance.object_id}",
        on_commit=True,
        repr=instance.object_repr[:100],
    )


def connect() -> None:
    """Called once, from ``projectsite.apps.ProjectsiteConfig.ready``."""
    user_logged_in.connect(_logged_in, dispatch_uid="audit-login")
    user_login_failed.connect(_login_failed, dispatch_uid="audit-login-failed")
    user_logged_out.connect(_logged_out, dispatch_uid="audit-logout")
    post_save.connect(_history_saved, sender="tasks.HistoryEntry", dispatch_uid="audit-history")
    post_save.connect(_admin_logged, sender=LogEntry, dispatch_uid="audit-admin")
