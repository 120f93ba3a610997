"""What the security tests share: every URL of the project read from its configuration, the
objects its URL kwargs name, and a world of two provinces to fill them from.

A new URL is covered without editing the tests: its view declares who may open it
(``access_policy``, set by the decorators of units/permissions.py) and its kwargs are filled
from ``OBJECT_OF``; a URL missing either is named by a failing test.
"""

import datetime
import inspect
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.apps import apps
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.test import Client, override_settings
from django.urls import URLResolver, get_resolver, reverse

from reports.models import Notification
from tasks import imports, services
from tasks.models import ImportRecord
from tasks.slots import slots_ensure
from tasks.uploads import PDF
from tests.conftest import TODAY
from tests.factories import Tree, make_assignment, make_document, make_eid_targets, make_task, make_user
from units.models import Unit, User

# Not ours to classify: Django's admin, static files, the public health check, i18n views.
SKIPPED = ("admin/", "static/", "healthz", "i18n/", "jsi18n")

PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@dataclass(frozen=True)
class Route:
    name: str | None  # "tasks:assignment"
    route: str  # "nhiem-vu/<id:pk>/"
    view: Callable
    params: tuple[str, ...]

    def __str__(self) -> str:
        return self.name or f"/{self.route}"

    @property
    def policy(self) -> str | None:
        return getattr(self.view, "access_policy", None)

    @property
    def permission(self) -> str | None:
        """The permission the view asks on every request (units/permissions.py), None when it asks none."""
        return getattr(self.view, "access_permission", None)

    @property
    def write_permission(self) -> str | None:
        """The permission it asks, in addition, on a POST."""
        return getattr(self.view, "access_write_permission", None)

    @property
    def fetch(self) -> Callable | None:
        """The scoped selector the view's object comes through (404 out of scope), if it takes one."""
        return getattr(self.view, "access_fetch", None)

    @property
    def post_only(self) -> bool:
        """Does the view refuse GET with 405 (require_POST, a POST-only class-based view)?"""
        methods = allowed_methods(self.view)
        return methods is not None and "GET" not in methods and "POST" in methods


def allowed_methods(view) -> set[str] | None:
    """The HTTP methods the view accepts, from its decorators or its class; None when any."""
    found = None
    while view is not None:
        view_class = getattr(view, "view_class", None)
        if view_class is not None:
            names = {m.upper() for m in view_class.http_method_names if hasattr(view_class, m)}
            found = names if found is None else found & names
            break
        if inspect.isfunction(view):
            method_list = inspect.getclosurevars(view).nonlocals.get("request_method_list")
            if method_list is not None:
                found = set(method_list) if found is None else found & set(method_list)
        view = getattr(view, "__wrapped__", None)
    return found


_PARAM = re.compile(r"<(?:[^>:]+:)?([^>]+)>")


def routes() -> list[Route]:
    """Every URL pattern of the project, includes followed, minus ``SKIPPED``."""
    found: list[Route] = []

    def walk(patterns, prefix: str, namespace: str) -> None:
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
                walk(pattern.url_patterns, route, inner)
            elif not route.startswith(SKIPPED):
                name = f"{namespace}{pattern.name}" if pattern.name else None
                found.append(Route(name, route, pattern.callback, tuple(_PARAM.findall(route))))

    walk(get_resolver().url_patterns, "", "")
    return found


# Which object a URL kwarg names: by URL name for "pk", by kwarg name for the others.
OBJECT_OF = {
    ("tasks:assignment", "pk"): "assignment",
    ("tasks:assignment_extension", "pk"): "assignment",
    ("tasks:evidence", "pk"): "evidence",
    ("tasks:target", "pk"): "target",
    ("tasks:slot", "pk"): "slot",
    ("tasks:obstacle", "pk"): "obstacle",
    ("tasks:explanation", "pk"): "explanation",
    ("tasks:explanation_close", "pk"): "explanation",
    ("tasks:import_preview", "pk"): "upload",
    ("tasks:import_apply", "pk"): "upload",
    ("tasks:document_edit", "pk"): "document",
    ("tasks:task_edit", "pk"): "task",
    ("tasks:task_assign", "pk"): "task",
    ("reports:document", "pk"): "document",
    ("reports:notification_requeue", "pk"): "notification",
    ("reports:queue_confirm", "pk"): "assignment",
    ("reports:queue_send_back", "pk"): "assignment",
    ("reports:queue_extension", "pk"): "extension",
    ("reports:queue_obstacle", "pk"): "obstacle",
    "code": "unit",
    "document_pk": "document",
    "indicator_pk": "indicator",
    "kind": "import_kind",
}
# Objects of no unit: one serves every cell.
GLOBAL = {"indicator", "import_kind"}


def object_kinds(route: Route) -> dict[str, str]:
    """``{kwarg: kind}``; a kwarg the registry does not know raises LookupError naming the URL."""
    kinds = {}
    for param in route.params:
        kind = OBJECT_OF.get((route.name, param)) or OBJECT_OF.get(param)
        if kind is None:
            raise LookupError(
                f"{route} (/{route.route}): no test object for the URL kwarg {param!r}. Say which object it "
                f"names in OBJECT_OF of tests/security/urlconf.py."
            )
        kinds[param] = kind
    return kinds


def is_unit_bound(route: Route) -> bool:
    return any(kind not in GLOBAL for kind in object_kinds(route).values())


@dataclass(frozen=True)
class ProvinceBound:
    """An object found through the user's province (units.selectors.user_province)."""

    province: Unit


@dataclass(frozen=True)
class Upload:
    """An import: seen by whoever uploaded it and by the secretariat of its province."""

    province: Unit
    uploaded_by: User


ROLES = (
    "anonymous",
    "no_role",
    "head_commune",
    "staff_district",
    "head_district",
    "head_agency",
    "secretariat",
    "leader",
    "superuser",
    "national",
)
# The units a test points at, by name.
ANCHORS = ("commune", "area", "agency", "other_commune", "foreign_commune")
# Where each role's "own" object, a "child" unit's (a district reads its communes) and an
# "other" unit's object are. A province viewer's "other" is in another province.
SCOPES = {
    "anonymous": {"any": "commune"},
    "no_role": {"any": "commune"},
    "head_commune": {"own": "commune", "other": "other_commune"},
    "staff_district": {"own": "area", "child": "commune", "other": "other_commune"},
    "head_district": {"own": "area", "child": "commune", "other": "other_commune"},
    "head_agency": {"own": "agency", "other": "other_commune"},
    "secretariat": {"own": "commune", "other": "foreign_commune"},
    "leader": {"own": "commune", "other": "foreign_commune"},
    "superuser": {"own": "commune", "other": "foreign_commune"},
    "national": {"own": "commune", "other": "foreign_commune"},
}
assert {anchor for scopes in SCOPES.values() for anchor in scopes.values()} <= set(ANCHORS)


class World:
    """Two provinces (``home``, code 40, and ``foreign``, code 41) with an account per role, a
    superuser and an account without a role; for every anchor unit an assignment with an evidence
    file, a second one with a pending extension request, a target, an obstacle, a failed mail and
    an import and an explanation request (the commune's asked by its district's head, the others by
    the secretariat), so that every URL kwarg has an object of the user's own unit and of another.
    """

    def __init__(self):
        self.home = Tree("40")
        self.foreign = Tree("41")
        self.superuser = make_user(None, username="root", is_superuser=True, is_staff=True)
        self.no_role = make_user(None, username="no-role")
        self.national = make_user(None, User.Role.NATIONAL, username="c06")
        # Each province plans in its own documents (tasks.models.Document.province).
        self.documents = {tree.province.pk: make_document(province=tree.province) for tree in (self.home, self.foreign)}
        self.tasks = {pk: make_task(document) for pk, document in self.documents.items()}
        self.later_tasks = {pk: make_task(document) for pk, document in self.documents.items()}
        # A recurring task with a monthly report: each anchor unit owes this month's report.
        self.cycle_tasks = {
            pk: make_task(
                document,
                is_recurring=True,
                report_period="monthly",
                due_rule="after_end",
                due_day=5,
                cycle_since=TODAY,
            )
            for pk, document in self.documents.items()
        }
        units = {
            "commune": (self.home.commune, self.home.head_commune),
            "area": (self.home.area, self.home.head_district),
            "agency": (self.home.agency, self.home.head_agency),
            "other_commune": (self.home.other_commune, self.home.head_other_commune),
            "foreign_commune": (self.foreign.commune, self.foreign.head_commune),
        }
        self.indicator = make_eid_targets({unit: 1000 for unit, _head in units.values()})
        uploads = {
            self.home.head_district: self._upload(self.home.head_district, self.home.commune),
            self.home.head_other_district: self._upload(self.home.head_other_district, self.home.other_commune),
            self.home.secretariat: self._upload(self.home.secretariat, self.home.agency),
            self.foreign.head_district: self._upload(self.foreign.head_district, self.foreign.commune),
        }
        uploader = {
            "commune": self.home.head_district,
            "area": self.home.head_district,
            "agency": self.home.secretariat,
            "other_commune": self.home.head_other_district,
            "foreign_commune": self.foreign.head_district,
        }
        self.objects: dict[tuple[str, str], tuple[object, object]] = {}
        # One login per role for the whole module, made here, outside every test's savepoint.
        self.sessions: dict[str, str] = {}
        for role in ROLES:
            if (user := self.account(role)) is not None:
                login = Client()
                login.force_login(user)
                self.sessions[role] = login.cookies[settings.SESSION_COOKIE_NAME].value
        for anchor, (unit, head) in units.items():
            assignment = self._assignment(unit, head)
            later = _make_assignment(unit, self.later_tasks[unit.province_id])
            extension = services.extension_request(
                assignment=later, user=head, proposed_due_date=TODAY + datetime.timedelta(days=30), reason="Mưa lũ"
            )
            obstacle = services.obstacle_raise(user=head, category="data", text="Thiếu máy quét")
            tree = self.home if unit.province_id == self.home.province.pk else self.foreign
            explanation = services.explanation_ask(
                unit=unit,
                user=tree.head_district if unit == tree.commune else tree.secretariat,
                reason="Vì sao chậm kích hoạt định danh điện tử?",
                due_date=TODAY + datetime.timedelta(days=7),
            )
            notification = Notification.objects.create(
                kind=Notification.Kind.REMINDER,
                dedupe_key=f"security-{unit.code}",
                recipient=f"{unit.code}@example.com",
                unit=unit,
                subject="Nhắc việc",
                body_text="Nhắc việc",
                status=Notification.Status.FAILED,
            )
            record = uploads[uploader[anchor]]
            recurring = make_assignment(unit, self.cycle_tasks[unit.province_id])
            slots_ensure(today=TODAY, assignments=[recurring])
            self.objects.update(
                {
                    ("unit", anchor): (unit.code, unit),
                    ("assignment", anchor): (assignment.pk, unit),
                    ("evidence", anchor): (assignment.evidence.get().pk, unit),
                    ("target", anchor): (self.indicator.targets.get(unit=unit).pk, unit),
                    ("slot", anchor): (recurring.report_slots.get().pk, unit),
                    ("obstacle", anchor): (obstacle.pk, unit),
                    ("explanation", anchor): (explanation.pk, unit),
                    ("extension", anchor): (extension.pk, unit),
                    ("notification", anchor): (notification.pk, ProvinceBound(unit.province)),
                    ("document", anchor): (self.documents[unit.province_id].pk, ProvinceBound(unit.province)),
                    ("task", anchor): (self.tasks[unit.province_id].pk, ProvinceBound(unit.province)),
                    ("upload", anchor): (record.pk, Upload(record.province, record.uploaded_by)),
                }
            )
        for anchor in ANCHORS:
            self.objects.update(
                {
                    ("indicator", anchor): (self.indicator.pk, None),
                    ("import_kind", anchor): (ImportRecord.Kind.FIGURES, None),
                }
            )

    def _assignment(self, unit: Unit, head: User):
        """An assignment in progress with a PDF on its timeline, due in ten days."""
        assignment = _make_assignment(unit, self.tasks[unit.province_id])
        services.assignment_report(
            assignment=assignment,
            user=head,
            version=1,
            work_status="in_progress",
            progress=30,
            note="Đã họp triển khai",
            files=[(SimpleUploadedFile("bien-ban.pdf", PDF_BYTES), PDF)],
        )
        return assignment

    def _upload(self, user: User, commune: Unit) -> ImportRecord:
        content = f"Mã đơn vị,Ngày,Giá trị lũy kế\n{commune.code},15/06/2023,500\n".encode()
        return imports.import_upload(
            uploaded=SimpleUploadedFile("so-lieu.csv", content),
            kind=ImportRecord.Kind.FIGURES,
            user=user,
            province=commune.province,
            indicator=self.indicator,
        )

    def log_in(self, client, role: str) -> User | None:
        """Log ``client`` in as ``role`` with the session made with the world; None for anonymous."""
        user = self.account(role)
        if user is not None:
            client.cookies[settings.SESSION_COOKIE_NAME] = self.sessions[role]
        return user

    def account(self, role: str) -> User | None:
        if role == "anonymous":
            return None
        if role in ("superuser", "no_role", "national"):
            return getattr(self, role)
        return getattr(self.home, role)

    def url(self, route: Route, anchor: str) -> tuple[str, list]:
        """The route's URL with its kwargs filled from the anchor unit's objects, and their owners."""
        kwargs, owners = self.kwargs(route, anchor)
        if route.name:
            return reverse(route.name, kwargs=kwargs), owners
        return "/" + _PARAM.sub(lambda m: str(kwargs[m.group(1)]), route.route), owners

    def kwargs(self, route: Route, anchor: str) -> tuple[dict, list]:
        """The route's URL kwargs from the anchor unit's objects, and those objects' owners."""
        kwargs, owners = {}, []
        for param, kind in object_kinds(route).items():
            value, owner = self.objects[(kind, anchor)]
            kwargs[param] = value
            if owner is not None:
                owners.append(owner)
        return kwargs, owners


def _make_assignment(unit: Unit, task):
    return make_assignment(unit, task, due_date=TODAY + datetime.timedelta(days=10))


@contextmanager
def world_for_module(django_db_blocker, media_root) -> Iterator[World]:
    """A World built once for a test module, in a transaction rolled back after the module.

    Each test (pytest-django's ``db``) runs in a savepoint inside it, so what one test changes is
    gone before the next. A test that reads a response must not call ``response.close()`` again:
    that fires ``request_finished``, which closes the connection and the transaction with it.
    """
    with override_settings(APP_TODAY=TODAY, MEDIA_ROOT=str(media_root)), django_db_blocker.unblock():
        # Only modules whose tests use ``db`` get a test database; never build on the real one.
        assert "test" in str(connection.settings_dict["NAME"]), "no test database: the tests must use `db`"
        with transaction.atomic():
            yield World()
            transaction.set_rollback(True)


WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE")
# Logging in and the messages of a page live in the session: not data a user could change.
IGNORED_TABLES = ("django_session",)


@contextmanager
def writes_recorded() -> Iterator[list[str]]:
    """Every INSERT, UPDATE or DELETE the database receives inside the block (session rows aside)."""
    statements: list[str] = []

    def record(execute, sql, params, many, context):
        words = sql.lstrip().split(None, 1)
        if words and words[0].upper() in WRITES and not any(table in sql for table in IGNORED_TABLES):
            statements.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        yield statements


def snapshot() -> dict[str, list]:
    """Every row of the project's own tables: equal snapshots, nothing changed.

    Raw SQL, since the matrix takes hundreds of these.
    """
    rows = {}
    with connection.cursor() as cursor:
        for label in ("units", "tasks", "reports"):
            for model in apps.get_app_config(label).get_models():
                table = connection.ops.quote_name(model._meta.db_table)
                cursor.execute(f"SELECT * FROM {table} ORDER BY 1")
                rows[model._meta.label] = cursor.fetchall()
    return rows
