"""The national transition of 01/07/2025: 63 provinces become 34, 10.047 communes (list of
01/03/2025) become 3.321, the district level ends; one ``tasks.transitions`` input per new
province, applied one after another, each province in its own transaction.

Built from the reference files of ``data/`` and the structure in force the day before:

- the provinces' merges (``vn_admin_provinces_2025-07-01_merges.csv``): the new province keeps
  the code of one old province, which continues (``TransitionInput.province_code``); the others
  are absorbed (``absorbed_provinces``); its 2025 name is ``province_name``;
- the new communes (``vn_admin_units_2025-07-01.csv``) and the old → new mapping
  (``vn_admin_reform_2025-07-01.csv``) of every old province of the merger;
- every district in force ends, its open work closed with ``DISTRICTS_CLOSED``;
- an agency of an absorbed province goes to the continuing province's agency of the same kind:
  the same code once the province prefix is taken off ("02-STTTT" → "08-STTTT"). An agency with
  no such counterpart stays unresolved, listed for a person to decide;
- a commune split between new ones: the data give no proportions, so a split unit with targets
  or figures is unresolved unless ``equal_splits`` asks for equal parts (then the links and the
  transition are labelled illustrative).

Nothing is guessed beyond that: a mapping row whose old commune is not in force, a unit in force
that nothing maps, are unresolved and the preview lists them (``national_preview``); nothing is
written while any is.
"""

import datetime
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from units.loaders import read_admin_units_2025, read_province_merges, read_reform_2025
from units.models import Unit, UnitSuccession, User

from .transitions import FULL, Link, Preview, TransitionInput, transition_apply, transition_preview

MERGES_FILE = "vn_admin_provinces_2025-07-01_merges.csv"
UNITS_2025_FILE = "vn_admin_units_2025-07-01.csv"
REFORM_2025_FILE = "vn_admin_reform_2025-07-01.csv"
DISTRICTS_CLOSED = "Cấp huyện kết thúc hoạt động từ 01/07/2025"

# (provinces done, provinces in all, assignment rows handled so far), for a command's progress bar
ROWS = ("assignments_ended", "assignments_carried", "assignments_merged_into_existing")
NationalProgress = Callable[[int, int, int], None]


@dataclass
class NationalPlan:
    inputs: list[TransitionInput]
    choices: list[str] = field(default_factory=list)  # illustrative choices, in words


def agency_suffix(code: str, province_code: str) -> str:
    """An agency's code without its province's prefix ("02-STTTT" in 02 → "STTTT")."""
    prefix = f"{province_code}-"
    return code[len(prefix) :] if code.startswith(prefix) else code


def national_inputs(
    *,
    data_dir: Path,
    effective_on: datetime.date,
    basis: str,
    accounts: str = "follow",
    equal_splits: bool = False,
    provinces: list[str] | None = None,
) -> NationalPlan:
    """One input per new province (all 34, or those of ``provinces``), in the order of their codes.

    Reads the files (``units.loaders.DataFileError`` names the file and line) and the units in
    force the day before ``effective_on``; writes nothing."""
    merges = read_province_merges(data_dir / MERGES_FILE)
    units_2025 = read_admin_units_2025(data_dir / UNITS_2025_FILE)
    eve = effective_on - datetime.timedelta(days=1)
    olds_of: dict[str, list[str]] = defaultdict(list)
    for merge in merges:
        olds_of[merge.new_code].append(merge.old_code)
    wanted = sorted(olds_of) if provinces is None else sorted(set(provinces))
    plan = NationalPlan(inputs=[])
    for code in wanted:
        olds = sorted(olds_of.get(code, []))
        rows = units_2025.get(code)
        if not olds or rows is None:
            raise ValueError(f"province {code} is not a province of {effective_on:%d/%m/%Y}")
        absorbed = [old for old in olds if old != code]
        links: list[Link] = []
        for old in olds:
            reform = read_reform_2025(data_dir / REFORM_2025_FILE, old)
            parts: dict[str, int] = defaultdict(int)
            for row in reform:
                parts[row.old_code] += 1
            seen: set[str] = set()
            for row in reform:
                if row.share == "full":
                    links.append(Link(row.old_code, row.new_code))
                    continue
                fraction = None
                if equal_splits:
                    count = parts[row.old_code]
                    fraction = FULL // count + (FULL % count if row.old_code not in seen else 0)
                    plan.choices.append(f"{row.old_code} {row.old_name} → {row.new_code} {row.new_name}: 1/{count}")
                seen.add(row.old_code)
                links.append(
                    Link(
                        row.old_code,
                        row.new_code,
                        UnitSuccession.Share.PARTIAL,
                        fraction,
                        illustrative=fraction is not None,
                    )
                )
        links += _agency_links(code, absorbed, eve)
        districts = list(
            Unit.objects.filter(province__code__in=olds, level=Unit.Level.DISTRICT)
            .valid_on(eve)
            .order_by("code")
            .values_list("code", flat=True)
        )
        plan.inputs.append(
            TransitionInput(
                province_code=code,
                effective_on=effective_on,
                basis=basis,
                new_units=rows[1:],
                links=links,
                ended=districts,
                closures=dict.fromkeys(districts, DISTRICTS_CLOSED),
                accounts=accounts,
                illustrative=any(link.illustrative for link in links),
                absorbed_provinces=absorbed,
                province_name=rows[0].name,
            )
        )
    return plan


def _agency_links(code: str, absorbed: list[str], eve: datetime.date) -> list[Link]:
    if not absorbed:
        return []
    agencies = Unit.objects.filter(level=Unit.Level.AGENCY).valid_on(eve)
    ours = {agency_suffix(unit.code, code): unit.code for unit in agencies.filter(province__code=code)}
    links = []
    for unit in agencies.filter(province__code__in=absorbed).select_related("province").order_by("code"):
        counterpart = ours.get(agency_suffix(unit.code, unit.province.code))
        if counterpart is not None:  # else unresolved: the preview lists it
            links.append(Link(unit.code, counterpart))
    return links


def national_preview(plan: NationalPlan) -> list[Preview]:
    return [transition_preview(data) for data in plan.inputs]


def national_apply(plan: NationalPlan, *, by: User | None, progress: NationalProgress | None = None) -> dict[str, int]:
    """Apply every input, one province (one transaction) after another; return the summed
    summaries. A province already applied is skipped (``transition_apply`` is idempotent), so a
    run stopped half-way is finished by running it again."""
    totals: dict[str, int] = defaultdict(int)
    total = len(plan.inputs)
    handled = 0  # assignment rows ended, carried or merged so far, for the bar
    for index, data in enumerate(plan.inputs):

        def told(done: int, _rows: int, index=index, before=handled) -> None:
            if progress:
                progress(index, total, before + done)

        transition = transition_apply(data, by=by, progress=told)
        for key, value in transition.summary.items():
            if isinstance(value, int):
                totals[key] += value
        totals["provinces"] += 1
        handled = sum(totals[key] for key in ROWS)
        if progress:
            progress(index + 1, total, handled)
    return dict(totals)
