"""generate_load runs only on an empty database of its own, and its accounts get a generated password.

The full generation (and the refusal of its own data) is in test_bench.py, which measures it.
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
def test_the_national_scale_gives_each_province_its_own_plan_under_one_national_decision(monkeypatch):
    from devtools import loadgen

    rows = list(loadgen._admin_rows())
    monkeypatch.setattr(loadgen, "_admin_rows", lambda: [r for r in rows if r[1]["province_code"] in {"48", "95"}])

    summary = loadgen.generate(scale="national", progress=lambda _line: None)

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
