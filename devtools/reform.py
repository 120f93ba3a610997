"""The demo's structure transitions of Nghệ An, built from the reference files of ``data/``.

``seed_demo`` seeds the 2023 structure and programme, then applies these through
``tasks.transitions.transition_apply``, the service a real server uses:

- 01/12/2024, Nghị quyết 1243/NQ-UBTVQH15: 48 communes merged into neighbours (29 successors
  inferred by the data with medium confidence; for the 19 the data leave unresolved the demo
  takes the first candidate the data's notes name, **illustrative**), 41 communes renamed and 11
  moved to Thành phố Vinh (each ends and a unit with the same code starts, full link), Thị xã
  Cửa Lò ends into Thành phố Vinh;
- 01/03/2025: Sở Thông tin và Truyền thông merged into Sở Khoa học và Công nghệ (the date is
  that of the nationwide merger of provincial departments; the basis is described, not quoted);
- 01/07/2025: the 412 communes become 130 (``vn_admin_reform_2025-07-01.csv``; the two communes
  split between two new ones get **illustrative** equal fractions) and the 20 districts end,
  their open work closed.

Everything here reads files and builds inputs; nothing is written.
"""

import datetime
import re
from dataclasses import dataclass, field
from pathlib import Path

from tasks.transitions import Link, TransitionInput
from units.loaders import (
    CHANGE_REMOVED,
    CommuneMerger,
    UnitRow,
    admin_units_2024,
    read_admin_units,
    read_admin_units_2025,
    read_agencies,
    read_commune_changes_2024,
    read_commune_mergers_2024,
    read_reform_2025,
)
from units.models import Unit, UnitSuccession

NGHE_AN = "40"
ADMIN_2023_FILE = "vn_admin_units_2023-04-10.csv"
ADMIN_2025_FILE = "vn_admin_units_2025-07-01.csv"
REFORM_2025_FILE = "vn_admin_reform_2025-07-01.csv"
CHANGES_2024_FILE = "nghe_an_communes_2023_vs_2025-03.csv"
MERGERS_2024_FILE = "nghe_an_communes_2024_mergers.csv"
AGENCY_FILE = "nghe_an_provincial_units.csv"

COMMUNES_2024_ON = datetime.date(2024, 12, 1)
AGENCIES_2025_ON = datetime.date(2025, 3, 1)
TWO_LEVELS_ON = datetime.date(2025, 7, 1)
BASIS_2024 = "1243/NQ-UBTVQH15"
# data/ does not say which of the resolutions 1654–1687/NQ-UBTVQH15 is Nghệ An's: described, not numbered.
BASIS_2025 = "Nghị quyết của UBTVQH về sắp xếp ĐVHC cấp xã tỉnh Nghệ An năm 2025"
BASIS_AGENCIES = "Sắp xếp các cơ quan chuyên môn thuộc UBND tỉnh Nghệ An năm 2025 (minh họa)"
DISTRICTS_CLOSED = "Cấp huyện kết thúc hoạt động từ 01/07/2025"
# The agency merger of 2025 the demo shows (old → receiving), when both are in the agencies file.
AGENCY_MERGERS = [("STTTT", "SKHCN")]

# Where the data's notes name candidates for an unresolved merger.
CANDIDATES = re.compile(r"(?:candidates?(?: include)?|likely|probably|e\.g\.|receivers(?: left)?)\s*(.*)", re.I)
SAME_AS = re.compile(r"^(?:as|see) ([^;:,]+)")


@dataclass
class DemoTransition:
    """One transition's input and the demo's choices in it, in words for the output."""

    data: TransitionInput
    choices: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        return f"{self.data.effective_on:%d/%m/%Y} ({self.data.basis})"


def _bare(name: str) -> str:
    """“Xã Nghĩa Hưng” → “Nghĩa Hưng”."""
    for prefix in ("Thị trấn ", "Phường ", "Xã "):
        if name.startswith(prefix):
            return name[len(prefix) :]
    return name


def unresolved_choice(merger: CommuneMerger, communes_2024: dict[str, UnitRow], chosen: dict[str, str]) -> str:
    """The demo's successor for a merger the data leave unresolved: the first candidate the notes
    name (a code, or a name in the same district), the choice of the merger the notes refer to
    (“as Đội Cung”, “see Hùng Thành”), else the first commune of the same district by code."""
    notes = merger.notes
    same_district = sorted(code for code, row in communes_2024.items() if row.parent_code == merger.district)
    by_name = {_bare(communes_2024[code].name): code for code in same_district}
    found = CANDIDATES.search(notes)
    if found:
        text = found.group(1)
        for code in re.findall(r"\b(\d{5})\b", text):
            if code in communes_2024:
                return code
        for token in re.split(r"[,/;()]| or ", text):
            token = token.strip(" ?.")
            if token in by_name:
                return by_name[token]
    same = SAME_AS.search(notes.strip())
    if same and same.group(1).strip() in chosen:
        return chosen[same.group(1).strip()]
    return same_district[0]


def transition_2024(data_dir: Path) -> DemoTransition:
    """Nghệ An on 01/12/2024 (Nghị quyết 1243/NQ-UBTVQH15)."""
    rows_2023 = read_admin_units(data_dir / ADMIN_2023_FILE, NGHE_AN)
    changes_file = data_dir / CHANGES_2024_FILE
    changes = read_commune_changes_2024(changes_file)
    mergers = read_commune_mergers_2024(data_dir / MERGERS_2024_FILE)
    rows_2024 = admin_units_2024(rows_2023, changes, mergers, path=changes_file)
    communes_2024 = {row.code: row for row in rows_2024 if row.level == Unit.Level.COMMUNE}
    by_code_2024 = {row.code: row for row in rows_2024}
    districts_2023 = {row.code for row in rows_2023 if row.level == Unit.Level.DISTRICT}

    new_units, links, choices = [], [], []
    for change in changes:
        if change.status == CHANGE_REMOVED:
            continue
        # Renamed or moved: the unit ends and one with the same code starts, in full.
        new_units.append(by_code_2024[change.code])
        links.append(Link(old_code=change.code, new_code=change.code))
    for district in sorted(districts_2023 - set(by_code_2024)):  # Thị xã Cửa Lò, into Thành phố Vinh
        receiving = {c.district_after for c in changes if c.district_before == district and c.status != CHANGE_REMOVED}
        (into,) = receiving
        links.append(Link(old_code=district, new_code=into))
    chosen: dict[str, str] = {}
    for merger in mergers:
        if merger.merged_into is not None:
            links.append(Link(old_code=merger.code, new_code=merger.merged_into))
            continue
        into = unresolved_choice(merger, communes_2024, chosen)
        chosen[_bare(merger.name)] = into
        links.append(Link(old_code=merger.code, new_code=into, illustrative=True))
        choices.append(f"{merger.code} {merger.name} → {into} {communes_2024[into].name}")
    data = TransitionInput(
        province_code=NGHE_AN,
        effective_on=COMMUNES_2024_ON,
        basis=BASIS_2024,
        new_units=new_units,
        links=links,
        illustrative=bool(choices),
    )
    return DemoTransition(data, choices)


def transition_agencies(data_dir: Path) -> DemoTransition | None:
    """Sở Thông tin và Truyền thông into Sở Khoa học và Công nghệ, if both are in the agencies file."""
    codes = {row.code for row in read_agencies(data_dir / AGENCY_FILE, NGHE_AN)}
    links = [Link(old_code=old, new_code=new) for old, new in AGENCY_MERGERS if old in codes and new in codes]
    if not links:
        return None
    data = TransitionInput(
        province_code=NGHE_AN, effective_on=AGENCIES_2025_ON, basis=BASIS_AGENCIES, links=links, illustrative=True
    )
    return DemoTransition(data, [f"{link.old_code} → {link.new_code}" for link in links])


def transition_2025(data_dir: Path) -> DemoTransition:
    """Nghệ An on 01/07/2025: 412 communes → 130, directly under the province; the districts end."""
    rows_2023 = read_admin_units(data_dir / ADMIN_2023_FILE, NGHE_AN)
    changes_file = data_dir / CHANGES_2024_FILE
    rows_2024 = admin_units_2024(
        rows_2023,
        read_commune_changes_2024(changes_file),
        read_commune_mergers_2024(data_dir / MERGERS_2024_FILE),
        path=changes_file,
    )
    reform = read_reform_2025(data_dir / REFORM_2025_FILE, NGHE_AN)
    new_units = read_admin_units_2025(data_dir / ADMIN_2025_FILE, NGHE_AN)[NGHE_AN][1:]
    parts: dict[str, int] = {}
    for row in reform:
        parts[row.old_code] = parts.get(row.old_code, 0) + 1
    links, choices = [], []
    for row in reform:
        if row.share == "full":
            links.append(Link(old_code=row.old_code, new_code=row.new_code))
            continue
        # The data say the commune was split, not in what proportion: equal parts, illustrative.
        count = parts[row.old_code]
        first = row is next(r for r in reform if r.old_code == row.old_code)
        fraction = 1_000_000 // count + (1_000_000 % count if first else 0)
        links.append(
            Link(
                old_code=row.old_code,
                new_code=row.new_code,
                share=UnitSuccession.Share.PARTIAL,
                fraction_ppm=fraction,
                illustrative=True,
            )
        )
        choices.append(f"{row.old_code} {row.old_name} → {row.new_code} {row.new_name}: {fraction / 10_000:g} %")
    districts = [row.code for row in rows_2024 if row.level == Unit.Level.DISTRICT]
    data = TransitionInput(
        province_code=NGHE_AN,
        effective_on=TWO_LEVELS_ON,
        basis=BASIS_2025,
        new_units=new_units,
        links=links,
        ended=districts,
        closures=dict.fromkeys(districts, DISTRICTS_CLOSED),
        illustrative=bool(choices),
    )
    return DemoTransition(data, choices)


def demo_transitions(data_dir: Path) -> list[DemoTransition]:
    """The demo's transitions of Nghệ An, in the order of their dates."""
    agencies = transition_agencies(data_dir)
    return [transition_2024(data_dir), *([agencies] if agencies else []), transition_2025(data_dir)]
