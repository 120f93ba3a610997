"""seed_reference: the real units and documents, nothing invented, the secretariat, idempotency."""

import datetime
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command
from django.utils.translation import gettext as _

from tasks.models import Assignment, Document, HistoryEntry, IndicatorReport, Target, Task
from tests.factories import make_user
from units.models import Unit, User
from units.services import SECRETARIAT_GROUP

DATA = Path(settings.BASE_DIR) / "data"
NOTHING_NEW = "Nothing new: the units and documents were already loaded."
ADMIN_HEADER = (DATA / "vn_admin_units_2023-04-10.csv").read_text(encoding="utf-8").splitlines(keepends=True)[0]
AGENCIES = "code,name,kind,note\n"
DOCUMENTS = "number,kind,issued_on,issuer,title,implements\n"


def counts():
    return {
        model.__name__: model.objects.count()
        for model in (Unit, User, Group, Document, Task, Assignment, Target, IndicatorReport, HistoryEntry)
    }


def seed(*args) -> str:
    out = StringIO()
    call_command("seed_reference", *args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_it_loads_the_real_units_and_documents_and_makes_the_secretariat():
    thuongtruc = make_user(None, username="thuongtruc", is_superuser=True)

    output = seed("--province", "40", "--secretariat", "thuongtruc", "--date", "20/06/2023")

    province = Unit.objects.get(code="40")
    assert Unit.objects.filter(province=province).count() == Unit.objects.count() == 514
    assert Unit.objects.filter(level=Unit.Level.AGENCY).count() == 32
    assert Unit.objects.filter(level=Unit.Level.DISTRICT).count() == 21
    assert Unit.objects.filter(level=Unit.Level.COMMUNE).count() == 460
    assert Document.objects.count() == 7
    # Nothing invented: no task, target or figure, no account but the one made by hand.
    assert not Task.objects.exists() and not Assignment.objects.exists()
    assert not Target.objects.exists() and not IndicatorReport.objects.exists()
    assert list(User.objects.values_list("username", flat=True)) == ["thuongtruc"]
    thuongtruc.refresh_from_db()
    assert (thuongtruc.role, thuongtruc.unit.code, thuongtruc.is_staff) == (User.Role.SECRETARIAT, "CAT", True)
    assert list(thuongtruc.groups.values_list("name", flat=True)) == [SECRETARIAT_GROUP]
    assert thuongtruc.has_perm("tasks.change_assignment")
    assert "514" in output and "Công an tỉnh (CAT)" in output and "thuongtruc" in output
    assert _(NOTHING_NEW) not in output


@pytest.mark.django_db
def test_a_second_run_creates_nothing_and_says_so():
    seed()
    before = counts()

    output = seed()

    assert counts() == before
    assert _(NOTHING_NEW) in output


@pytest.mark.django_db
def test_without_secretariat_it_still_makes_the_group_for_secretariat_staff():
    seed()
    assert Group.objects.get(name=SECRETARIAT_GROUP).permissions.filter(codename="change_assignment").exists()
    assert not User.objects.exists()


@pytest.mark.django_db
def test_it_loads_another_province_from_its_own_files(tmp_path):
    agencies = tmp_path / "agencies.csv"
    agencies.write_text(
        AGENCIES + "CAHT,Công an tỉnh Hà Tĩnh,standing_body,\nSTTTT,Sở Thông tin và Truyền thông,department,\n",
        encoding="utf-8",
    )
    documents = tmp_path / "documents.csv"
    documents.write_text(DOCUMENTS + "06/QĐ-TTg,Quyết định,2022-01-06,Thủ tướng Chính phủ,,\n", encoding="utf-8")

    output = seed("--province", "42", "--agencies", str(agencies), "--documents", str(documents))

    assert Unit.objects.get(code="42").name == "Tỉnh Hà Tĩnh"
    assert Unit.objects.filter(level=Unit.Level.AGENCY).count() == 2
    assert list(Document.objects.values_list("number", flat=True)) == ["06/QĐ-TTg"]
    assert "CAHT" in output


@pytest.mark.parametrize(
    ("option", "file", "text", "message"),
    [
        ("--agencies", "agencies.csv", AGENCIES + "STTTT,Sở Thông tin và Truyền thông,department,\n", "standing_body"),
        ("--agencies", "agencies.csv", AGENCIES + "CAT,Công an,standing_body,\nCA2,Công an,standing_body,\n", "2."),
        ("--agencies", "agencies.csv", AGENCIES + "SYT,Sở Y tế,hospital,\n", "hospital"),
        ("--agencies", "missing.csv", None, "missing.csv"),
        ("--documents", "documents.csv", DOCUMENTS + "06/QĐ-TTg,Quyết định,06/01/2022,Thủ tướng,,\n", "dòng 2"),
        ("--documents", "documents.csv", "number,kind\n", "issued_on"),
        # The national list, from another folder: a commune without its type.
        (
            "--data-dir",
            "vn_admin_units_2023-04-10.csv",
            ADMIN_HEADER + "40,Tỉnh Nghệ An,Tỉnh,412,Thành phố Vinh,Thành phố,16663,Phường Đông Vĩnh\n",
            "dòng 2",
        ),
    ],
)
@pytest.mark.django_db
def test_a_malformed_file_stops_with_a_clear_message_and_writes_nothing(tmp_path, option, file, text, message):
    make_user(None, username="thuongtruc", is_superuser=True)
    if text is not None:
        (tmp_path / file).write_text(text, encoding="utf-8")
    value = str(tmp_path) if option == "--data-dir" else str(tmp_path / file)

    with pytest.raises(CommandError) as error:
        seed(option, value, "--secretariat", "thuongtruc", "--date", "20/06/2023")

    assert file in str(error.value) and message in str(error.value)
    assert counts() == {**dict.fromkeys(counts(), 0), "User": 1}
    assert User.objects.get().role == ""


@pytest.mark.django_db
def test_an_unknown_province_is_refused():
    with pytest.raises(CommandError, match="99"):
        seed("--province", "99")
    assert sum(counts().values()) == 0


@pytest.mark.django_db
def test_an_unknown_secretariat_account_is_refused_and_nothing_is_written():
    with pytest.raises(CommandError, match=r"thuongtruc.*createsuperuser"):
        seed("--secretariat", "thuongtruc")
    assert sum(counts().values()) == 0


# The structure in force on a date (issue 14) -------------------------------------------------


def in_force(province, level):
    return Unit.objects.filter(province=province, level=level, is_active=True)


@pytest.mark.django_db
def test_a_date_in_2023_loads_nghe_an_with_its_21_districts_and_460_communes():
    output = seed("--date", "20/06/2023")

    province = Unit.objects.get(code="40")
    assert in_force(province, Unit.Level.DISTRICT).count() == 21
    communes = in_force(province, Unit.Level.COMMUNE)
    assert communes.count() == 460
    assert not communes.filter(parent=province).exists()  # every commune under its district
    assert Unit.objects.get(code="16681").name == "Phường Quang Trung"
    assert Unit.objects.get(code="16681").parent.code == "412"
    assert not Unit.objects.exclude(valid_from=None).exists()  # the 2023 list: no known start
    assert "10/04/2023" in output


@pytest.mark.django_db
def test_today_loads_the_two_level_structure_130_communes_directly_under_the_province(fixed_today, settings):
    settings.APP_TODAY = None  # the real calendar: after 01/07/2025
    output = seed()

    province = Unit.objects.get(code="40", is_active=True)
    communes = in_force(province, Unit.Level.COMMUNE)
    assert communes.count() == 130
    assert communes.filter(parent=province).count() == 130
    assert not in_force(province, Unit.Level.DISTRICT).exists()
    assert in_force(province, Unit.Level.AGENCY).count() == 32
    thanh_vinh = Unit.objects.get(code="16681")
    assert thanh_vinh.name == "Phường Thành Vinh" and thanh_vinh.area == thanh_vinh
    assert set(Unit.objects.values_list("valid_from", flat=True)) == {datetime.date(2025, 7, 1)}
    assert "01/07/2025" in output
    # Run again: nothing new.
    assert _(NOTHING_NEW) in seed()


@pytest.mark.django_db
def test_between_the_two_reforms_nghe_an_has_its_2024_state_and_the_output_says_the_others_do_not():
    output = seed("--date", "15/03/2025")

    province = Unit.objects.get(code="40")
    assert in_force(province, Unit.Level.DISTRICT).count() == 20
    assert in_force(province, Unit.Level.COMMUNE).count() == 412
    assert not Unit.objects.filter(code="413").exists()  # Thị xã Cửa Lò joined Thành phố Vinh
    assert Unit.objects.get(code="16717").parent.code == "412"  # Phường Nghi Thuỷ, moved
    assert Unit.objects.get(code="17179").name == "Thị trấn Cầu Giát"  # renamed (was Xã Quỳnh Hồng)
    assert Unit.objects.get(code="17179").kind == Unit.Kind.TOWNSHIP
    assert not Unit.objects.filter(code="16684").exists()  # Phường Đội Cung, merged
    assert set(Unit.objects.values_list("valid_from", flat=True)) == {datetime.date(2024, 12, 1)}
    assert "1243/NQ-UBTVQH15" in output

    assert "Nghệ An" in output  # only its 2024 changes are in the data
    output = seed("--province", "42", "--date", "15/03/2025")
    assert in_force(Unit.objects.get(code="42"), Unit.Level.DISTRICT).count() > 0  # the 2023 list
    assert "10/04/2023" in output


@pytest.mark.django_db
def test_every_province_in_2025_and_a_merged_province_is_loaded_as_its_2025_self():
    output = seed("--province", "02", "--date", "01/07/2025")
    assert Unit.objects.get(level=Unit.Level.PROVINCE).code == "08"  # Hà Giang is part of Tuyên Quang
    assert "Tuyên Quang" in output and not Unit.objects.filter(level=Unit.Level.AGENCY).exists()

    output = seed("--province", "all", "--date", "01/07/2025")
    assert Unit.objects.filter(level=Unit.Level.PROVINCE).count() == 34
    assert Unit.objects.filter(level=Unit.Level.COMMUNE).count() == 3321
    assert Unit.objects.filter(kind=Unit.Kind.SPECIAL_ZONE).count() == 13
    assert not Unit.objects.filter(level=Unit.Level.DISTRICT).exists()
    # The agencies and documents are Nghệ An's.
    assert set(Unit.objects.filter(level=Unit.Level.AGENCY).values_list("province__code", flat=True)) == {"40"}
    assert "[34/34]" in output and "Công an tỉnh (CAT)" in output


@pytest.mark.django_db
def test_another_structure_than_the_one_in_force_is_refused_and_nothing_is_written():
    seed("--date", "20/06/2023")
    before = counts()

    with pytest.raises(CommandError, match="chuyển đổi") as error:
        seed("--date", "02/07/2025")

    assert "Tỉnh Nghệ An (40)" in str(error.value)
    assert counts() == before


@pytest.mark.django_db
def test_a_bad_date_is_refused():
    with pytest.raises(CommandError, match="31/02/2025"):
        seed("--date", "31/02/2025")
    assert sum(counts().values()) == 0


@pytest.mark.django_db
def test_a_second_province_loaded_with_the_same_numbers_gets_its_own_documents(tmp_path):
    """Issue 15: loading Hà Tĩnh after Nghệ An from the same list no longer reuses Nghệ An's plans."""
    agencies = tmp_path / "agencies.csv"
    agencies.write_text(AGENCIES + "CAHT,Công an tỉnh Hà Tĩnh,standing_body,\n", encoding="utf-8")
    seed("--province", "40")

    output = seed("--province", "42", "--agencies", str(agencies), "--documents", str(DATA / "nghe_an_documents.csv"))

    assert _(NOTHING_NEW) not in output
    assert Document.objects.filter(number="06/QĐ-TTg").get().province is None
    plans = Document.objects.filter(number="78/KH-UBND").select_related("province", "implements")
    assert sorted(plan.province.code for plan in plans) == ["40", "42"]
    assert {plan.implements.number for plan in plans} == {"06/QĐ-TTg"}
    assert Document.objects.count() == 1 + 2 * 6
