"""Test data in one place: small trees of real-looking units, accounts of every role, tasks."""

import datetime
import itertools

from tasks.models import Assignment, Document, Indicator, Target, Task
from tasks.summaries import status_counts_add
from units.models import Unit, User

_seq = itertools.count(1)


def make_unit(
    *,
    parent: Unit | None = None,
    level: int | None = None,
    code: str | None = None,
    name: str = "",
    kind: str | None = None,
    **fields,
) -> Unit:
    if level is None:
        level = (
            Unit.Level.PROVINCE
            if parent is None
            else {
                Unit.Level.PROVINCE: Unit.Level.DISTRICT,
                Unit.Level.DISTRICT: Unit.Level.COMMUNE,
            }[parent.level]
        )
    default_kind = {
        Unit.Level.PROVINCE: Unit.Kind.PROVINCE,
        Unit.Level.AGENCY: Unit.Kind.DEPARTMENT,
        Unit.Level.DISTRICT: Unit.Kind.RURAL_DISTRICT,
        Unit.Level.COMMUNE: Unit.Kind.COMMUNE,
    }[level]
    n = next(_seq)
    unit = Unit(
        code=code or f"U{n}",
        name=name or f"Đơn vị {n}",
        level=level,
        kind=kind or default_kind,
        parent=parent,
        **fields,
    )
    unit.save()
    return unit


def make_user(
    unit: Unit | None,
    role: str = User.Role.UNIT_HEAD,
    *,
    username: str | None = None,
    password: str = "pw-for-tests-1",
    **fields,
) -> User:
    # Without a unit, no role: except the national role, which has no unit (units.models.User).
    kept = role if unit or role == User.Role.NATIONAL else ""
    user = User(username=username or f"user{next(_seq)}", role=kept, unit=unit, **fields)
    user.set_password(password)
    user.save()
    return user


def make_document(number: str | None = None, **fields) -> Document:
    fields.setdefault("kind", Document.Kind.PLAN)
    fields.setdefault("issued_on", datetime.date(2023, 2, 3))
    fields.setdefault("issuer", "UBND tỉnh Nghệ An")
    return Document.objects.create(number=number or f"{next(_seq)}/KH-UBND", **fields)


def make_task(document: Document | None = None, **fields) -> Task:
    fields.setdefault("title", "Tuyên truyền Đề án 06")
    return Task.objects.create(document=document or make_document(), ref=fields.pop("ref", str(next(_seq))), **fields)


def make_assignment(unit: Unit, task: Task | None = None, **fields) -> Assignment:
    """An assignment, counted in its province's kept counts as the services count theirs."""
    assignment = Assignment.objects.create(task=task or make_task(), unit=unit, **fields)
    status_counts_add([assignment], province_id=unit.province_id or unit.pk)
    return assignment


class Tree:
    """A province with an agency, two districts and two communes each, and an account per role.

    ``head_<name>`` is the head of that unit; ``secretariat`` and ``leader`` work for the province.
    """

    def __init__(self, code: str = "40", name: str = "Tỉnh Nghệ An"):
        self.province = make_unit(code=code, name=name)
        self.police = make_unit(
            parent=self.province,
            level=Unit.Level.AGENCY,
            code=f"CAT{code}",
            name="Công an tỉnh",
            kind=Unit.Kind.STANDING_BODY,
        )
        self.agency = make_unit(
            parent=self.province, level=Unit.Level.AGENCY, code=f"STTTT{code}", name="Sở Thông tin và Truyền thông"
        )
        self.area = make_unit(parent=self.province, code=f"{code}1", name="Huyện Diễn Châu")
        self.commune = make_unit(parent=self.area, code=f"{code}11", name="Xã Diễn Kỷ")
        self.commune2 = make_unit(
            parent=self.area, code=f"{code}12", name="Thị trấn Diễn Châu", kind=Unit.Kind.TOWNSHIP
        )
        self.other_district = make_unit(parent=self.province, code=f"{code}2", name="Huyện Kỳ Sơn")
        self.other_commune = make_unit(parent=self.other_district, code=f"{code}21", name="Xã Mường Xén")
        self.secretariat = make_user(self.police, User.Role.SECRETARIAT, username=f"secretariat{code}")
        self.leader = make_user(self.province, User.Role.LEADER, username=f"leader{code}")
        self.head_agency = make_user(self.agency, username=f"head-agency{code}")
        self.head_district = make_user(self.area, username=f"head-district{code}")
        self.staff_district = make_user(self.area, User.Role.UNIT_STAFF, username=f"staff-district{code}")
        self.head_commune = make_user(self.commune, username=f"head-commune{code}")
        self.head_other_district = make_user(self.other_district, username=f"head-other-district{code}")
        self.head_other_commune = make_user(self.other_commune, username=f"head-other-commune{code}")


def bulk_communes(district: Unit, n: int, *, prefix: str = "X") -> list[Unit]:
    """``n`` communes under ``district`` in one insert (for the scale tests)."""
    units = [
        Unit(
            code=f"{prefix}{district.code}{i:04d}",
            name=f"Xã Thử {i}",
            level=Unit.Level.COMMUNE,
            kind=Unit.Kind.COMMUNE,
            parent=district,
            province_id=district.province_id,
            area=district,
            search_key=f"xa thu {i}",
        )
        for i in range(n)
    ]
    return Unit.objects.bulk_create(units)


def bulk_assignments(units: list[Unit], task: Task, **fields) -> list[Assignment]:
    made = Assignment.objects.bulk_create([Assignment(task=task, unit=unit, **fields) for unit in units])
    for province_id in {unit.province_id or unit.pk for unit in units}:
        status_counts_add(
            [a for a in made if (a.unit.province_id or a.unit.pk) == province_id], province_id=province_id
        )
    return made


def make_eid_targets(values: dict[Unit, int], **fields) -> Indicator:
    """The e-ID activation indicator with a target for each unit over the first half of 2023."""
    indicator, _created = Indicator.objects.get_or_create(
        code="DDDT", defaults={"name": "Kích hoạt tài khoản định danh điện tử", "unit_of_measure": "tk"}
    )
    for unit, value in values.items():
        Target.objects.create(
            indicator=indicator,
            unit=unit,
            value=value,
            start_date=datetime.date(2023, 1, 1),
            due_date=datetime.date(2023, 6, 30),
            **fields,
        )
    return indicator


# A small country for the national transition: 08 absorbs 02, 40 stays; files in data/'s formats.
MERGES = """new_province_code,new_province_name,old_province_code,old_province_name
08,Tỉnh Tuyên Quang,02,Tỉnh Hà Giang
08,Tỉnh Tuyên Quang,08,Tỉnh Tuyên Quang
40,Tỉnh Nghệ An,40,Tỉnh Nghệ An
"""
UNITS = """province_code,province_name,province_kind,commune_code,commune_name,commune_kind
08,Tỉnh Tuyên Quang,province,08001,Phường Minh Xuân,ward
08,Tỉnh Tuyên Quang,province,08002,Xã Hùng Lợi,commune
40,Tỉnh Nghệ An,province,40001,Phường Thành Vinh,ward
"""
REFORM = (
    "old_province_code,old_commune_code,old_commune_name,new_province_code,new_commune_code,new_commune_name,share\n"
    """02,02011,Xã A,08,08001,Phường Minh Xuân,full
02,02012,Xã B,08,08001,Phường Minh Xuân,full
02,02021,Xã C,08,08002,Xã Hùng Lợi,full
08,08011,Xã D,08,08001,Phường Minh Xuân,full
08,08012,Xã E,08,08001,Phường Minh Xuân,partial
08,08012,Xã E,08,08002,Xã Hùng Lợi,partial
08,08021,Xã F,08,08002,Xã Hùng Lợi,full
40,40011,Xã G,40,40001,Phường Thành Vinh,full
40,40012,Xã H,40,40001,Phường Thành Vinh,full
40,40021,Xã I,40,40001,Phường Thành Vinh,full
"""
)


def small_country(data_dir) -> dict[str, Tree]:
    """Three provinces as generate_load makes them (five-digit commune codes, the agencies of
    provinces other than 40 prefixed with the province's code), and the reform's three files
    for them written in ``data_dir``."""
    trees = {code: Tree(code, name) for code, name in [("08", "Tỉnh Tuyên Quang"), ("02", "Tỉnh Hà Giang")]}
    trees["40"] = Tree("40")
    for code, tree in trees.items():
        for unit in (tree.commune, tree.commune2, tree.other_commune):
            Unit.objects.filter(pk=unit.pk).update(code=f"{code}0{unit.code[len(code) :]}")
        if code != "40":
            Unit.objects.filter(pk=tree.police.pk).update(code=f"{code}-CAT")
            Unit.objects.filter(pk=tree.agency.pk).update(code=f"{code}-STTTT")
    (data_dir / "vn_admin_provinces_2025-07-01_merges.csv").write_text(MERGES, encoding="utf-8")
    (data_dir / "vn_admin_units_2025-07-01.csv").write_text(UNITS, encoding="utf-8")
    (data_dir / "vn_admin_reform_2025-07-01.csv").write_text(REFORM, encoding="utf-8")
    return trees
