"""seed_demo on the real Nghệ An data: counts, idempotency, and refusal of bad files."""

import re
import shutil
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from devtools.demo import DEFAULT_TODAY
from reports.selectors import indicator_summaries
from tasks.deadlines import DeadlineStatus
from tasks.indicators import with_latest_figure
from tasks.models import Assignment, Document, HistoryEntry, IndicatorReport, Target, Task
from tasks.selectors import status_counts
from units.models import Unit, User

DATA = Path(settings.BASE_DIR) / "data"


def counts():
    return {
        model.__name__: model.objects.count()
        for model in (Unit, User, Document, Task, Assignment, Target, IndicatorReport, HistoryEntry)
    }


def seed(*args) -> str:
    out = StringIO()
    call_command("seed_demo", "--password", "demo-pass-2023", *args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_it_loads_nghe_an_and_a_second_run_changes_nothing():
    output = seed()
    province = Unit.objects.get(code="40")
    assert province.name == "Tỉnh Nghệ An"
    assert Unit.objects.count() == 514
    assert Unit.objects.filter(parent=province).count() == 32 + 21
    assert Unit.objects.filter(level=Unit.Level.AGENCY).count() == 32
    assert Unit.objects.filter(level=Unit.Level.DISTRICT).count() == 21
    assert Unit.objects.filter(level=Unit.Level.COMMUNE).count() == 460
    assert Unit.objects.get(code="412").name == "Thành phố Vinh"
    assert Unit.objects.filter(province=province).count() == 514
    assert Document.objects.count() == 7
    assert Document.objects.get(number="4505/UBND-KSTT").implements.number == "23-CT/TU"
    assert Target.objects.get(unit=province).value == 1_269_779
    assert not Target.objects.get(unit=province).illustrative
    # The illustrative split adds up at every level.
    districts = Target.objects.filter(unit__level=Unit.Level.DISTRICT)
    assert sum(districts.values_list("value", flat=True)) == 1_269_779
    vinh = Unit.objects.get(code="412")
    assert sum(Target.objects.filter(unit__parent=vinh).values_list("value", flat=True)) == (
        Target.objects.get(unit=vinh).value
    )
    assert Task.objects.count() >= 30 and not Task.objects.filter(illustrative=False).exists()
    assert User.objects.count() >= 515
    assert User.objects.get(username="head-412").unit == vinh
    assert User.objects.get(username="secretariat").check_password("demo-pass-2023")
    assert User.objects.get(username="secretariat").has_perm("tasks.change_assignment")
    assert not User.objects.get(username="leader").is_staff
    # Demo progress as of 20/06/2023 has every status, some of them overdue.
    statuses = status_counts(Assignment.objects.all(), DEFAULT_TODAY)
    assert all(statuses[status.value] > 0 for status in DeadlineStatus)
    assert "demo-pass-2023" in output
    # The dashboard's kept totals add up the communes' latest figures.
    (summary,) = indicator_summaries(province=province, today=DEFAULT_TODAY)
    latest = with_latest_figure(Target.objects.filter(unit__level=Unit.Level.COMMUNE))
    assert summary.node.actual == sum(t.latest_value or 0 for t in latest) > 0

    before = counts()
    second = seed("--password", "another-password")
    assert counts() == before
    assert User.objects.get(username="head-412").check_password("demo-pass-2023")
    assert "another-password" not in second


@pytest.mark.django_db
def test_if_empty_leaves_an_existing_database_alone():
    Unit.objects.create(code="40", name="Tỉnh Nghệ An", level=Unit.Level.PROVINCE, kind="province")
    assert "không nạp thêm dữ liệu" in seed("--if-empty")
    assert Unit.objects.count() == 1


@pytest.fixture
def data_dir(tmp_path):
    target = tmp_path / "data"
    shutil.copytree(DATA, target)
    return target


def corrupt(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.mark.parametrize(
    ("file", "old", "new", "message"),
    [
        ("nghe_an_documents.csv", "2023-06-08", "08/06/2023", "dòng 8"),
        ("nghe_an_documents.csv", "number,kind", "so,kind", "number"),
        ("nghe_an_documents.csv", "Kế hoạch,2022", "Nghị quyết,2022", "Nghị quyết"),
        ("nghe_an_provincial_units.csv", "STTTT,Sở Thông tin và Truyền thông,", "STTTT,,", "dòng 14"),
        ("nghe_an_provincial_units.csv", "SYT,Sở Y tế,department", "SYT,Sở Y tế,hospital", "hospital"),
        ("vn_admin_units_2023-04-10.csv", "40,Tỉnh Nghệ An,Tỉnh,412", "40,Tỉnh Nghệ An,Tỉnh,41X", "41X"),
        ("vn_admin_units_2023-04-10.csv", ",16663,Phường Đông Vĩnh,Phường", ",16663,Phường Đông Vĩnh", "dòng"),
        ("demo/tasks.csv", "2022-12-31,@communes", "31/12/2022,@communes", "dòng 9"),
        ("demo/tasks.csv", ",STTTT,DPTTH BAONA", ",STTTX,DPTTH BAONA", "STTTX"),
        ("demo/tasks.csv", "63/KH-UBND,II.1,", "63/KH-UBNX,II.1,", "63/KH-UBNX"),
        ("demo/tasks.csv", "document,ref,title,due,lead,support", "document,ref,title,due,chu_tri,support", "lead"),
    ],
)
@pytest.mark.django_db
def test_a_malformed_file_stops_with_a_clear_message_and_writes_nothing(data_dir, file, old, new, message):
    corrupt(data_dir / file, old, new)
    with pytest.raises(CommandError) as error:
        seed("--data-dir", str(data_dir))
    assert message in str(error.value)
    assert Path(file).name in str(error.value)
    assert sum(counts().values()) == 0


@pytest.mark.parametrize("file", ["nghe_an_provincial_units.csv", "demo/tasks.csv"])
@pytest.mark.django_db
def test_a_missing_file_stops_with_a_clear_message_and_writes_nothing(data_dir, file):
    (data_dir / file).unlink()
    with pytest.raises(CommandError, match=re.escape(Path(file).name)):
        seed("--data-dir", str(data_dir))
    assert sum(counts().values()) == 0


@pytest.mark.django_db
def test_it_makes_the_tasks_of_the_demo_tasks_file(data_dir):
    tasks_file = data_dir / "demo" / "tasks.csv"
    assert "illustrative" in tasks_file.read_text(encoding="utf-8").splitlines()[0].lower()
    rows = [line for line in tasks_file.read_text(encoding="utf-8").splitlines() if not line.startswith("#")]
    corrupt(tasks_file, "Chi trả an sinh xã hội không dùng tiền mặt", "Chi trả an sinh xã hội qua ví điện tử")
    seed("--data-dir", str(data_dir))
    assert Task.objects.count() == len(rows) - 1  # every line but the header
    task = Task.objects.get(document__number="78/KH-UBND", ref="I.6")
    assert task.title == "Chi trả an sinh xã hội qua ví điện tử" and task.illustrative
    assert not Task.objects.filter(title="Chi trả an sinh xã hội không dùng tiền mặt").exists()


@pytest.mark.django_db
def test_an_unknown_province_or_date_is_refused(data_dir):
    with pytest.raises(CommandError, match="99"):
        seed("--province", "99")
    with pytest.raises(CommandError, match="31/02/2023"):
        seed("--today", "31/02/2023")
    assert sum(counts().values()) == 0
