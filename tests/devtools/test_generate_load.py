"""generate_load runs only on an empty database of its own, and its accounts get a generated password;
nationally it builds the 34 provinces of the 2025 structure (here a few, with a small plan: a test
never generates the million assignments).

The full generation of a province (and the refusal of its own data) is in test_bench.py, which measures it.
"""

import os
import subprocess
import sys
from io import StringIO
from urllib.parse import quote

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from tasks.models import Document, Indicator, Task
from tests.factories import make_document, make_unit, make_user
from units.models import Unit, User


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in (Unit, User, Document, Task, Indicator)}


@pytest.mark.parametrize(
    ("existing", "named"),
    [
        (lambda: make_unit(code="40", name="Tỉnh Nghệ An"), "1 đơn vị"),
        (lambda: make_user(None, username="admin", is_superuser=True, is_staff=True), "1 tài khoản"),
        (lambda: make_document("4505/UBND-KSTT"), "1 văn bản"),
    ],
    ids=["a unit", "an account", "a document"],
)
@pytest.mark.django_db
def test_it_refuses_a_database_holding_data_it_did_not_make_and_writes_nothing(existing, named):
    existing()
    before = counts()
    out = StringIO()
    with pytest.raises(CommandError) as error:
        call_command("generate_load", "--scale", "province", stdout=out)
    assert named in str(error.value)
    assert "Không ghi gì cả" in str(error.value) and "cơ sở dữ liệu trống" in str(error.value)
    assert counts() == before
    assert out.getvalue() == ""  # refused before the first step


def database_url() -> str:
    db = settings.DATABASES["default"]
    if db["ENGINE"] == "django.db.backends.sqlite3":
        return f"sqlite:///{db['NAME']}"
    return (
        f"postgres://{quote(db['USER'] or '')}:{quote(str(db['PASSWORD'] or ''))}@"
        f"{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    )


@pytest.mark.django_db(transaction=True)
def test_run_by_mistake_against_a_real_database_it_exits_non_zero_and_writes_nothing():
    """As an operator would run it: manage.py in a process of its own, on the database in use."""
    province = make_unit(code="40", name="Tỉnh Nghệ An")
    make_user(province, User.Role.LEADER, username="leader")
    before = counts()
    env = {**os.environ, "DATABASE_URL": database_url(), "DJANGO_SETTINGS_MODULE": "projectsite.settings.test"}
    run = subprocess.run(
        [sys.executable, "manage.py", "generate_load", "--scale", "province"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode != 0
    assert "1 đơn vị, 1 tài khoản" in run.stderr
    assert counts() == before


def test_the_2024_structure_is_the_old_side_of_the_2025_mapping():
    """generate_load --structure 2024 generates exactly the communes the 2025 mapping starts from,
    so the national transition can be measured on it; Nghệ An's is its exact 2024 state."""
    from django.conf import settings

    from devtools.loadgen import units_before_reform
    from units.loaders import read_admin_units, read_reform_2025
    from units.models import Unit

    reform = settings.BASE_DIR / "data" / "vn_admin_reform_2025-07-01.csv"
    admin_2023 = "vn_admin_units_2023-04-10.csv"
    for code in ("40", "01", "14"):
        rows = units_before_reform(code)
        communes = {row.code for row in rows if row.level == Unit.Level.COMMUNE}
        assert communes == {row.old_code for row in read_reform_2025(reform, code)}, code
        districts = {row.code for row in rows if row.level == Unit.Level.DISTRICT}
        assert all(row.parent_code in districts for row in rows if row.level == Unit.Level.COMMUNE)
    assert len([row for row in units_before_reform("40") if row.level == Unit.Level.COMMUNE]) == 412
    # 03980 Phường Mộc Lỵ (Sơn La) was made by a merger after the 2023 list: it is generated too.
    assert "03980" in {row.code for row in units_before_reform("14")}
    assert "03980" not in {row.code for row in read_admin_units(settings.BASE_DIR / "data" / admin_2023, "14")}


@pytest.mark.django_db
def test_the_2023_national_scale_gives_each_province_its_own_plan_under_one_national_decision(monkeypatch):
    from devtools import loadgen

    rows = list(loadgen._admin_rows())
    monkeypatch.setattr(loadgen, "_admin_rows", lambda: [r for r in rows if r[1]["province_code"] in {"48", "95"}])

    summary = loadgen.generate(scale="national", structure="2023", progress=lambda _line: None)

    assert Document.objects.filter(number="06/QĐ-TTg").get().province is None
    plans = Document.objects.filter(number="78/KH-UBND").select_related("province")
    assert sorted(plan.province.code for plan in plans) == ["48", "95"]
    assert all(plan.implements.number == "06/QĐ-TTg" for plan in plans)
    assert summary.tasks == Task.objects.count() == 2 * 130
    for code in ("48", "95"):
        # A province's assignments are all in its own documents' tasks.
        foreign = loadgen.Assignment.objects.filter(unit__province__code=code).exclude(
            task__document__province__code=code
        )
        assert loadgen.Assignment.objects.filter(unit__province__code=code).exists() and not foreign.exists()


TINY = {"national_commune_tasks": 2, "national_agency_tasks": 1, "own_commune_tasks": 3, "own_agency_tasks": 1}


def _fingerprint(code: str) -> list[tuple]:
    """What a province's data look like, without database keys."""
    from tasks.models import Assignment, IndicatorReport

    work = Assignment.objects.filter(unit__province__code=code).values_list(
        "task__document__number", "task__ref", "unit__code", "due_date", "work_status", "progress", "completed_on"
    )
    figures = IndicatorReport.objects.filter(unit__province__code=code).values_list("unit__code", "as_of", "value")
    return sorted(work) + sorted(figures)


class Rollback(Exception):
    pass


@pytest.mark.django_db
def test_the_national_scale_builds_the_2025_structure_with_national_work_and_each_provinces_own():
    from django.db import transaction

    from devtools import loadgen
    from tasks.models import Assignment, HistoryEntry, IndicatorReport
    from units.loaders import read_admin_units_2025

    plan = loadgen.LoadPlan(**TINY)
    said = []
    # Huế (46) generated alone, then rolled back: the same rows as inside a national set.
    try:
        with transaction.atomic():
            loadgen.generate(scale="national", provinces=["46"], plan=plan, progress=lambda _line: None)
            alone = _fingerprint("46")
            raise Rollback
    except Rollback:
        pass
    assert not Unit.objects.exists()

    summary = loadgen.generate(scale="national", provinces=["12", "46"], plan=plan, progress=said.append)

    assert summary.structure == "2025" and summary.provinces == 2
    structure = read_admin_units_2025(settings.BASE_DIR / "data" / "vn_admin_units_2025-07-01.csv")
    for code, name in (("12", "Tỉnh Lai Châu"), ("46", "Thành phố Huế")):
        province = Unit.objects.get(code=code, level=Unit.Level.PROVINCE)
        assert province.name == name and province.valid_from == loadgen.START_2025
        communes = Unit.objects.filter(province=province, level=Unit.Level.COMMUNE, parent=province)
        assert sorted(communes.values_list("code", flat=True)) == sorted(r.code for r in structure[code][1:])
        assert not Unit.objects.filter(province=province, level=Unit.Level.DISTRICT).exists()
        # Its agencies, under their own codes (every province has its CAT), in its own words.
        agencies = dict(Unit.objects.filter(province=province, level=Unit.Level.AGENCY).values_list("code", "name"))
        assert "CAT" in agencies and "STTTT" not in agencies and "BQLKKT" not in agencies
        assert "Nghệ An" not in " ".join(agencies.values())
        # Its own plan, numbered as Nghệ An's, implementing the one national decision.
        plan_78 = Document.objects.get(province=province, number="78/KH-UBND")
        assert plan_78.implements.number == "06/QĐ-TTg" and plan_78.implements.province is None
        assert plan_78.issuer == ("UBND thành phố Huế" if code == "46" else "UBND tỉnh Lai Châu")
    assert agencies["CAT"] == "Công an thành phố"  # Huế is a city
    decision = Document.objects.get(number="06/QĐ-TTg")
    assert decision.province is None and Document.objects.filter(number="06/QĐ-TTg").count() == 1
    # The national decision's tasks reach the communes and agencies of both provinces.
    national_work = Assignment.objects.filter(task__document=decision)
    assert set(national_work.values_list("unit__province__code", flat=True)) == {"12", "46"}
    assert national_work.filter(unit__level=Unit.Level.COMMUNE).count() == 2 * (38 + 40)
    assert national_work.filter(unit__kind=Unit.Kind.STANDING_BODY).count() == 2
    # Each province's own tasks reach only its own units.
    for code in ("12", "46"):
        own = Assignment.objects.filter(task__document__province__code=code)
        assert set(own.values_list("unit__province__code", flat=True)) == {code}
    communes = 38 + 40
    assert summary.assignments == Assignment.objects.count() == communes * 5 + 2 * 3 * 2
    assert summary.figures == IndicatorReport.objects.count() > 0
    assert summary.history == HistoryEntry.objects.count() > 0
    # Given from 01/07/2025, and none after the data's today.
    assert not Assignment.objects.filter(created_at__date__lt=loadgen.START_2025).exists()
    assert not Assignment.objects.filter(completed_on__gte=loadgen.TODAY_2025).exists()
    # Accounts: secretariat, leader, a head per unit, and one national account.
    assert User.objects.get(username="national").role == User.Role.NATIONAL
    assert User.objects.get(username="national").unit is None
    assert User.objects.get(username="head-46-CAT").unit.province.code == "46"
    assert User.objects.get(username="secretariat-12").unit.code == "CAT"
    assert User.objects.filter(role=User.Role.UNIT_HEAD).count() == Unit.objects.exclude(level=1).count()
    # A province is drawn from its own generator: alone or among others, the same data.
    assert _fingerprint("46") == alone
    # The kept counts are built: the national page's numbers equal the provinces' own.
    from reports.national import national_totals, province_rows
    from reports.selectors import status_breakdown

    rows = province_rows(today=loadgen.TODAY_2025)
    for row in rows:
        assert row.counts == status_breakdown(province=row.province, today=loadgen.TODAY_2025).province
    assert national_totals(rows)["total"] == Assignment.objects.count()
    assert any("2/2 tỉnh (46 Thành phố Huế)" in line for line in said)


@pytest.mark.django_db
def test_an_unknown_province_or_structure_is_refused_and_nothing_written():
    out = StringIO()
    with pytest.raises(CommandError, match="Không có tỉnh mã 99"):
        call_command("generate_load", "--scale", "national", "--provinces", "12,99", stdout=out)
    assert counts() == dict.fromkeys(counts(), 0)
    with pytest.raises(CommandError):
        call_command("generate_load", "--structure", "2019", stdout=out)
