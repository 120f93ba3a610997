"""deploy/load_reference_data.py: the real units and documents, no demo content, idempotent."""

import importlib.util
from pathlib import Path

import pytest
from django.conf import settings

from tasks.models import Assignment, Document, Task
from tests.factories import make_user
from units.models import Unit, User

DATA = Path(settings.BASE_DIR) / "data"


def loader():
    spec = importlib.util.spec_from_file_location(
        "load_reference_data", Path(settings.BASE_DIR) / "deploy" / "load_reference_data.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.django_db
def test_it_loads_the_real_units_and_documents_and_makes_the_secretariat():
    load = loader().load
    thuongtruc = make_user(None, username="thuongtruc", is_superuser=True)

    report = load(
        province="40", data_dir=DATA, agencies=DATA / "nghe_an_provincial_units.csv", secretariat="thuongtruc"
    )

    assert report.startswith("514 units created (514 in province 40), 7 documents created; standing body CAT.")
    assert Unit.objects.filter(level=Unit.Level.COMMUNE).count() == 460
    assert Document.objects.count() == 7
    # Nothing invented: no task, no assignment, no account but the one made by hand.
    assert not Task.objects.exists() and not Assignment.objects.exists()
    assert list(User.objects.values_list("username", flat=True)) == ["thuongtruc"]
    thuongtruc.refresh_from_db()
    assert (thuongtruc.role, thuongtruc.unit.code, thuongtruc.is_staff) == (User.Role.SECRETARIAT, "CAT", True)
    assert thuongtruc.has_perm("tasks.change_assignment")

    again = load(province="40", data_dir=DATA, agencies=DATA / "nghe_an_provincial_units.csv")
    assert again.startswith("0 units created (514 in province 40), 0 documents created")


@pytest.mark.django_db
def test_it_writes_nothing_when_a_file_is_wrong(tmp_path):
    agencies = tmp_path / "agencies.csv"
    agencies.write_text("code,name,kind,note\nSTTTT,Sở Thông tin và Truyền thông,department,\n", encoding="utf-8")

    with pytest.raises(SystemExit, match="must name exactly one standing_body"):
        loader().load(province="40", data_dir=DATA, agencies=agencies)

    assert not Unit.objects.exists()
