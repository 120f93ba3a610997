"""The import in the two-level structure: the "Địa bàn" column, and codes a new commune reused."""

import datetime

import pytest
from django.urls import reverse

from tasks.models import ImportRecord, Indicator, IndicatorReport, Target
from tasks.spreadsheets import MatchError, UnitMatcher
from tests.conftest import TODAY
from tests.factories import make_unit, make_user
from tests.tasks.test_imports import apply, upload, xlsx
from units.models import Unit, User


@pytest.fixture(autouse=True)
def _today(fixed_today):
    """Every test here runs on TODAY."""


@pytest.fixture
def two_level(db):
    """A province after the reform: an ended district and commune, and new communes directly
    under the province, one reusing the ended commune's code, two with the same name."""
    province = make_unit(code="40", name="Tỉnh Nghệ An")
    police = make_unit(parent=province, level=Unit.Level.AGENCY, code="CAT", kind=Unit.Kind.STANDING_BODY)
    district = make_unit(parent=province, code="412", name="Thành phố Vinh")
    old = make_unit(parent=district, code="16681", name="Phường Quang Trung")
    Unit.objects.filter(pk__in=[district.pk, old.pk]).update(valid_to=TODAY, is_active=False)
    new = make_unit(parent=province, level=Unit.Level.COMMUNE, code="16681", name="Phường Thành Vinh", valid_from=TODAY)
    twin = make_unit(parent=province, level=Unit.Level.COMMUNE, code="17000", name="Xã Hưng Lộc", valid_from=TODAY)
    make_unit(parent=province, level=Unit.Level.COMMUNE, code="17001", name="Xã Hưng Lộc", valid_from=TODAY)
    indicator = Indicator.objects.create(
        code="DDDT", name="Kích hoạt tài khoản định danh điện tử", unit_of_measure="tk"
    )
    for unit in (new, twin):
        Target.objects.create(
            indicator=indicator,
            unit=unit,
            value=3000,
            start_date=datetime.date(2023, 1, 1),
            due_date=datetime.date(2023, 12, 31),
        )
    return {
        "old": old,
        "new": new,
        "twin": twin,
        "indicator": indicator,
        "secretariat": make_user(police, User.Role.SECRETARIAT, username="secretariat"),
    }


def test_a_reused_code_means_the_unit_in_force(two_level):
    matcher = UnitMatcher(Unit.objects.filter(province__code="40").select_related("parent"))
    assert matcher.match(code="16681", name=None) == two_level["new"]


def test_a_commune_directly_under_the_province_is_named_by_its_area(two_level):
    matcher = UnitMatcher(Unit.objects.filter(province__code="40").select_related("parent"))
    with pytest.raises(MatchError):
        matcher.match(code=None, name="Xã Hưng Lộc")
    assert matcher.match(code=None, name="Xã Hưng Lộc", parent_hint="17000") == two_level["twin"]
    with pytest.raises(MatchError):  # a hint both units share leaves both: reported, never guessed
        matcher.match(code=None, name="Hưng Lộc", parent_hint="Xã Hưng Lộc")


def test_a_file_with_an_area_column_imports_for_the_new_communes(client, two_level):
    file = xlsx(
        [
            ("16681", "Phường Thành Vinh", "Phường Thành Vinh", TODAY, 1200, ""),
            ("", "Xã Hưng Lộc", "17000", TODAY, 800, ""),
        ],
        headers=("Mã đơn vị", "Tên đơn vị", "Địa bàn", "Ngày", "Giá trị lũy kế", "Ghi chú"),
    )
    upload(client, two_level["secretariat"], file, indicator=two_level["indicator"])
    record = ImportRecord.objects.get()
    preview = client.get(reverse("tasks:import_preview", args=[record.pk]))
    assert preview.context["counts"]["errors"] == 0, preview.context
    assert apply(client, record).status_code == 302
    assert dict(IndicatorReport.objects.values_list("unit__code", "value")) == {"16681": 1200, "17000": 800}
    assert not IndicatorReport.objects.filter(unit=two_level["old"]).exists()
