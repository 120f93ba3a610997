"""Structure transitions: a province's units change on a date (communes merged or split, the
district level ended, agencies merged or renamed), and the open work moves with them.

This module is the one way a structure changes, for the page, the command and the demo alike.
Its input says what the new structure is and where every old unit goes; ``transition_preview``
shows where each old unit's open assignments, targets, latest figures and accounts would go and
lists what is unresolved; ``transition_apply`` applies it atomically and idempotently. The
explanation requests not closed of a unit that ends follow its work to one successor.

The contract (the dataclasses and the two functions' signatures) is fixed; see
docs/DECISIONS.md, "Structure transitions", for the rules.
"""

import datetime
import hashlib
import json
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import F, OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from projectsite import clock
from units import services as unit_services
from units.loaders import UnitRow
from units.models import StructureTransition, Unit, UnitSuccession, User
from units.trail import audit_record, created_changes

from . import signals
from .models import Assignment, ExplanationRequest, HistoryEntry, Indicator, IndicatorReport, Target
from .summaries import indicator_totals_rebuild, status_counts_rebuild


@dataclass(frozen=True)
class Link:
    """An old unit (in force the day before the effective date) goes to a successor, in full or in
    part. A partial link carries ``fraction_ppm`` (millionths of the old unit going to this
    successor) once somebody has given it; without it, a partial split is unresolved whenever
    the old unit has a target or a figure to divide."""

    old_code: str
    new_code: str
    share: str = UnitSuccession.Share.FULL
    fraction_ppm: int | None = None
    illustrative: bool = False  # a demo's choice that no source supports


@dataclass
class TransitionInput:
    """What changes in ``province_code`` from ``effective_on``.

    - ``new_units``: the units that start on that date, parents first; a parent code names a new
      unit of the same input or a unit in force that does not end. A new unit may reuse the code
      of a unit that ends (16681: Phường Quang Trung ends, Phường Thành Vinh starts).
    - ``links``: where each ending unit goes; the new code names a new unit or a unit in force.
    - ``ended``: units that end without a successor (the districts on 01/07/2025); their open work
      must be closed (``closures``) or they are unresolved.
    - ``closures``: old unit code → the reason its open work is closed instead of carried.
    - Every unit under an ending unit that is neither linked nor closed is unresolved: the
      product never guesses.
    - ``accounts``: "follow" (staff accounts move to the successor) or "deactivate". Heads are
      always handed over to the successor that receives the unit's full share.
    - ``absorbed_provinces``: codes of provinces merged into this one (the 2025 reform: 02 Hà
      Giang into 08 Tuyên Quang). Their units in force count as old units of this transition and
      must be linked, ended or closed like the province's own; their roots end with a full link
      to this province, which continues as the same root (its path and history stay).
    - ``province_name``: the province's name from the effective date, when it changes (15 Yên
      Bái is named Lào Cai from 01/07/2025); the root keeps its row, its name is updated.
    """

    province_code: str
    effective_on: datetime.date
    basis: str
    new_units: list[UnitRow] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)
    ended: list[str] = field(default_factory=list)
    closures: dict[str, str] = field(default_factory=dict)
    accounts: str = "follow"
    illustrative: bool = False
    absorbed_provinces: list[str] = field(default_factory=list)
    province_name: str = ""


Progress = Callable[[int, int], None]  # (done, total), for a command's progress bar

FULL = 1_000_000  # fractions are in millionths
BATCH = 2000
OPEN = ~Q(work_status__in=[Assignment.WorkStatus.CONFIRMED, Assignment.WorkStatus.CANCELLED]) & Q(ended_by__isnull=True)
ACCOUNT_CHOICES = ("follow", "deactivate")


# What the preview shows ------------------------------------------------------------------------


@dataclass
class Unresolved:
    code: str
    name: str
    reason: str


@dataclass
class Successor:
    code: str
    name: str
    share: str
    fraction_ppm: int | None
    new: bool  # created by this transition


@dataclass
class Destination:
    """One ending unit and where its open work, targets, figures and accounts go."""

    unit: Unit
    successors: list[Successor]
    closure: str | None
    open_assignments: int = 0
    targets: int = 0
    figures: int = 0
    accounts: int = 0
    explanations: int = 0  # explanation requests not closed: carried to one successor, or closed
    head: str = ""  # the head's username
    head_goes_to: str = ""  # code of the successor it heads, "" when it goes elsewhere
    accounts_fate: str = ""  # what happens to the accounts, in words
    unresolved: str = ""  # the reason, when unresolved

    @property
    def fate(self) -> str:
        if self.unresolved:
            return "unresolved"
        if self.closure is not None:
            return "closed"
        return "carried" if self.successors else "ended"


@dataclass
class Preview:
    data: TransitionInput
    province: Unit | None
    destinations: list[Destination]
    new_units: list[UnitRow]
    unresolved: list[Unresolved]
    errors: list[str]
    applied: StructureTransition | None = None  # the same input was applied already

    @property
    def ok(self) -> bool:
        return not self.errors and not self.unresolved

    @property
    def totals(self) -> dict[str, int]:
        return {
            "ending_units": len(self.destinations),
            "new_units": len(self.new_units),
            "open_assignments": sum(d.open_assignments for d in self.destinations),
            "targets": sum(d.targets for d in self.destinations),
            "figures": sum(d.figures for d in self.destinations),
            "accounts": sum(d.accounts for d in self.destinations),
            "explanations": sum(d.explanations for d in self.destinations),
            "explanations_carried": sum(d.explanations for d in self.destinations if d.fate == "carried"),
        }


def input_digest(data: TransitionInput) -> str:
    """sha256 of the input normalised (order of rows and spacing do not matter)."""
    normal = {
        "province": data.province_code.strip(),
        "effective_on": data.effective_on.isoformat(),
        "basis": " ".join(data.basis.split()),
        "new_units": sorted(
            [row.code, " ".join(row.name.split()), int(row.level), row.kind, row.parent_code or ""]
            for row in data.new_units
        ),
        "links": sorted(
            [link.old_code, link.new_code, link.share, link.fraction_ppm or 0, link.illustrative] for link in data.links
        ),
        "ended": sorted(set(data.ended)),
        "closures": sorted([code, " ".join(reason.split())] for code, reason in data.closures.items()),
        "accounts": data.accounts,
        "illustrative": data.illustrative,
    }
    # Only when set, so the digests of transitions applied before these fields existed stay the same.
    if data.absorbed_provinces:
        normal["absorbed"] = sorted(set(data.absorbed_provinces))
    if data.province_name.strip():
        normal["province_name"] = " ".join(data.province_name.split())
    return hashlib.sha256(json.dumps(normal, ensure_ascii=False, sort_keys=True).encode()).hexdigest()


# The plan: everything resolved from the input, shared by the preview and the apply ------------


@dataclass
class _Plan:
    province: Unit
    in_force: dict[str, Unit]  # code → unit in force the day before (the province's)
    ending: dict[str, Unit]  # code → ending unit
    links: dict[str, list[Link]]  # old code → its links
    new_rows: dict[str, UnitRow]
    kept: dict[str, Unit]  # code → unit in force that does not end (may be a successor or a parent)
    errors: list[str]
    destinations: dict[str, Destination]
    unresolved: list[Unresolved]
    absorbed: list[Unit] = field(default_factory=list)  # roots of the provinces merged into this one


def _fraction(link: Link) -> int | None:
    return FULL if link.share == UnitSuccession.Share.FULL else link.fraction_ppm


def _plan(data: TransitionInput) -> _Plan | list[str]:
    errors: list[str] = []
    province = (
        Unit.objects.filter(code=data.province_code, level=Unit.Level.PROVINCE)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gt=data.effective_on))
        .order_by("pk")
        .first()
    )
    if province is None:
        return [_("No province in force has code %(code)s.") % {"code": data.province_code}]
    if data.accounts not in ACCOUNT_CHOICES:
        errors.append(_("Accounts either follow their unit or are deactivated."))
    if not data.basis.strip():
        errors.append(_("Give the legal basis (the resolution or decision)."))
    eve = data.effective_on - datetime.timedelta(days=1)
    in_force = {
        unit.code: unit
        for unit in Unit.objects.filter(province=province).valid_on(eve).exclude(pk=province.pk).order_by("pk")
    }
    links: dict[str, list[Link]] = defaultdict(list)
    for link in data.links:
        links[link.old_code].append(link)
    absorbed = _absorbed_roots(data, province, eve, in_force, links, errors)
    ending_codes = set(links) | set(data.ended) | set(data.closures)
    ending: dict[str, Unit] = {}
    unresolved: list[Unresolved] = []
    for code in sorted(ending_codes):
        unit = in_force.get(code)
        if unit is None:
            unresolved.append(
                Unresolved(
                    code,
                    "",
                    _("No unit with this code was in force in the province on %(day)s.")
                    % {"day": eve.strftime("%d/%m/%Y")},
                )
            )
        else:
            ending[code] = unit
    kept = {code: unit for code, unit in in_force.items() if code not in ending}
    if absorbed:
        kept[province.code] = province  # the successor of the absorbed roots
    new_rows: dict[str, UnitRow] = {}
    for row in data.new_units:
        if row.code == province.code and row.level == Unit.Level.PROVINCE:
            continue  # the province itself stays
        if row.code in new_rows:
            errors.append(_("New unit %(code)s appears twice.") % {"code": row.code})
        elif row.code in kept:
            errors.append(
                _("New unit %(code)s: a unit in force that does not end already has this code (%(name)s).")
                % {"code": row.code, "name": kept[row.code].name}
            )
        elif row.level == Unit.Level.PROVINCE:
            errors.append(_("New unit %(code)s: a transition does not create a province.") % {"code": row.code})
        elif row.parent_code not in (None, "", province.code, *new_rows, *kept):
            errors.append(
                _("New unit %(code)s: its parent %(parent)s is neither a new unit nor a unit in force.")
                % {"code": row.code, "parent": row.parent_code}
            )
        new_rows.setdefault(row.code, row)
    # Units under an ending unit that are not ending themselves would lose their parent.
    ending_paths = [unit.path for unit in ending.values()]
    for code, unit in sorted(kept.items()):
        if any(unit.path.startswith(path) for path in ending_paths):
            unresolved.append(
                Unresolved(
                    code,
                    unit.name,
                    _("The unit above it ends, and it is neither mapped to a successor nor closed."),
                )
            )
    for code, unit_links in links.items():
        for link in unit_links:
            if link.new_code not in new_rows and link.new_code not in kept:
                unresolved.append(
                    Unresolved(
                        code,
                        ending[code].name if code in ending else "",
                        _("Its successor %(new)s is neither a new unit nor a unit in force.") % {"new": link.new_code},
                    )
                )
            if link.share not in UnitSuccession.Share.values:
                errors.append(_("Unit %(code)s: the share is “full” or “partial”.") % {"code": code})
            if link.fraction_ppm is not None and not 1 <= link.fraction_ppm <= FULL:
                errors.append(
                    _("Unit %(code)s: a fraction is more than 0 and at most 1 (1.000.000 millionths).") % {"code": code}
                )
        fractions = [_fraction(link) or 0 for link in unit_links]
        if sum(fractions) > FULL:
            unresolved.append(
                Unresolved(
                    code,
                    ending[code].name if code in ending else "",
                    _("The fractions of its successors add up to more than the whole unit."),
                )
            )
        if len({link.new_code for link in unit_links}) < len(unit_links):
            errors.append(_("Unit %(code)s is mapped twice to the same successor.") % {"code": code})
    return _Plan(
        province=province,
        in_force=in_force,
        ending=ending,
        links=dict(links),
        new_rows=new_rows,
        kept=kept,
        errors=errors,
        destinations={},
        unresolved=unresolved,
        absorbed=absorbed,
    )


def _absorbed_roots(data, province, eve, in_force, links, errors) -> list[Unit]:
    """The roots of ``data.absorbed_provinces`` in force on ``eve``; their units in force join
    ``in_force`` and each root gets its full link to ``province`` (in ``links``)."""
    absorbed = []
    for code in sorted(set(data.absorbed_provinces)):
        root = Unit.objects.filter(code=code, level=Unit.Level.PROVINCE).valid_on(eve).order_by("pk").first()
        if code == province.code:
            errors.append(_("Province %(code)s cannot absorb itself.") % {"code": code})
        elif root is None:
            errors.append(
                _("No province with code %(code)s was in force on %(day)s.")
                % {"code": code, "day": eve.strftime("%d/%m/%Y")}
            )
        else:
            absorbed.append(root)
    for root in absorbed:
        units = Unit.objects.filter(province=root).valid_on(eve).order_by("pk")
        for unit in units:
            if unit.code in in_force:
                errors.append(
                    _("Code %(code)s is in force in two of the merged provinces (%(first)s, %(second)s).")
                    % {"code": unit.code, "first": in_force[unit.code].name, "second": unit.name}
                )
                continue
            in_force[unit.code] = unit
        links[root.code] = [Link(root.code, province.code)]
    return absorbed


def _latest_figures(unit_ids, before: datetime.date):
    """The latest figure before ``before`` of every (indicator, unit) of ``unit_ids``.

    Driven by the units: one index probe per unit and indicator (``report_latest``), one query
    per indicator, then one for the rows. A filter on the figures themselves made PostgreSQL scan
    every figure of the database with a probe each (1 s for a province, seconds per province
    nationally: docs/PERFORMANCE.md, "Structure transitions")."""
    unit_ids = list(unit_ids)
    ids: list[int] = []
    for indicator_id in Indicator.objects.order_by().values_list("pk", flat=True):
        latest = (
            IndicatorReport.objects.filter(indicator_id=indicator_id, unit_id=OuterRef("pk"), as_of__lt=before)
            .order_by("-as_of")
            .values("pk")[:1]
        )
        for start in range(0, len(unit_ids), BATCH):
            found = (
                Unit.objects.filter(pk__in=unit_ids[start : start + BATCH])
                .order_by()
                .annotate(figure=Subquery(latest))
                .values_list("figure", flat=True)
            )
            ids += [pk for pk in found if pk is not None]
    return IndicatorReport.objects.filter(pk__in=ids).order_by()


def _open_targets(unit_ids, on: datetime.date):
    return Target.objects.filter(unit_id__in=unit_ids, due_date__gte=on, ended_by__isnull=True)


def _explanations_not_closed(unit_ids):
    return ExplanationRequest.objects.filter(unit_id__in=unit_ids).exclude(status=ExplanationRequest.Status.CLOSED)


def _resolve(data: TransitionInput) -> tuple[_Plan | None, list[str]]:
    plan = _plan(data)
    if isinstance(plan, list):
        return None, plan
    ending_ids = [unit.pk for unit in plan.ending.values()]
    open_counts: dict[int, int] = defaultdict(int)
    for unit_id in Assignment.objects.filter(OPEN, unit_id__in=ending_ids).values_list("unit_id", flat=True):
        open_counts[unit_id] += 1
    target_counts: dict[int, int] = defaultdict(int)
    for unit_id in _open_targets(ending_ids, data.effective_on).values_list("unit_id", flat=True):
        target_counts[unit_id] += 1
    figure_counts: dict[int, int] = defaultdict(int)
    for unit_id in _latest_figures(ending_ids, data.effective_on).values_list("unit_id", flat=True):
        figure_counts[unit_id] += 1
    explanation_counts: dict[int, int] = defaultdict(int)
    for unit_id in _explanations_not_closed(ending_ids).values_list("unit_id", flat=True):
        explanation_counts[unit_id] += 1
    accounts: dict[int, list[User]] = defaultdict(list)
    for account in User.objects.filter(unit_id__in=ending_ids, is_active=True).order_by("pk"):
        accounts[account.unit_id].append(account)
    successor_heads = _successor_heads(plan, data, accounts)
    names = {**{code: row.name for code, row in plan.new_rows.items()}, **{c: u.name for c, u in plan.kept.items()}}
    reported = {item.code for item in plan.unresolved}
    for code, unit in plan.ending.items():
        unit_links = plan.links.get(code, [])
        closure = data.closures.get(code)
        destination = Destination(
            unit=unit,
            successors=[
                Successor(
                    link.new_code,
                    names.get(link.new_code, ""),
                    link.share,
                    _fraction(link),
                    link.new_code in plan.new_rows,
                )
                for link in unit_links
            ],
            closure=closure,
            open_assignments=open_counts[unit.pk],
            targets=target_counts[unit.pk],
            figures=figure_counts[unit.pk],
            accounts=len(accounts[unit.pk]),
            explanations=explanation_counts[unit.pk],
        )
        heads = [a for a in accounts[unit.pk] if a.role == User.Role.UNIT_HEAD]
        destination.head = heads[0].username if heads else ""
        destination.head_goes_to = successor_heads.get(unit.pk, "")
        destination.accounts_fate = _accounts_fate(data, unit_links)
        has_work = destination.open_assignments or destination.targets
        reason = ""
        if not unit_links and closure is None and has_work:
            reason = _("It has open work and neither a successor nor a closure.")
        elif closure is None and (destination.targets or destination.figures):
            partial = [link for link in unit_links if link.share == UnitSuccession.Share.PARTIAL]
            if partial and any(link.fraction_ppm is None for link in partial):
                reason = _("It is split and has targets or figures: give the fraction that goes to each successor.")
        if closure is not None and not closure.strip():
            reason = _("Give the reason its open work is closed.")
        if reason:
            destination.unresolved = reason
            if code not in reported:
                plan.unresolved.append(Unresolved(code, unit.name, reason))
        plan.destinations[code] = destination
    for item in plan.unresolved:
        if item.code in plan.destinations and not plan.destinations[item.code].unresolved:
            plan.destinations[item.code].unresolved = item.reason
        if not item.name and item.code in plan.in_force:
            item.name = plan.in_force[item.code].name
    plan.unresolved.sort(key=lambda item: item.code)
    return plan, plan.errors


def _full_successor(links: list[Link]) -> str | None:
    """The one successor that receives the unit in full, if any."""
    full = [link for link in links if link.share == UnitSuccession.Share.FULL]
    return full[0].new_code if len(links) == 1 and full else None


def _accounts_fate(data: TransitionInput, links: list[Link]) -> str:
    full = _full_successor(links)
    if full is None:
        return _("deactivated (no single successor)")
    if data.accounts == "deactivate":
        return _("head handed over to %(code)s; others deactivated") % {"code": full}
    return _("follow to %(code)s") % {"code": full}


def _successor_heads(plan: _Plan, data: TransitionInput, accounts: dict[int, list[User]]) -> dict[int, str]:
    """Old unit pk → code of the successor its head will head. Per successor, the head of the old
    unit that had the successor's code comes first, then the others by code; a successor in force
    that has an active head takes none."""
    kept_ids = {unit.pk: code for code, unit in plan.kept.items()}
    headed = set(
        User.objects.filter(unit_id__in=kept_ids, role=User.Role.UNIT_HEAD, is_active=True).values_list(
            "unit_id", flat=True
        )
    )
    taken = {kept_ids[unit_id] for unit_id in headed}
    result: dict[int, str] = {}
    candidates = sorted(
        plan.ending.items(), key=lambda item: (item[0] != _full_successor(plan.links.get(item[0], [])), item[0])
    )
    for code, unit in candidates:
        successor = _full_successor(plan.links.get(code, []))
        has_head = any(a.role == User.Role.UNIT_HEAD for a in accounts.get(unit.pk, []))
        if successor is None or not has_head or successor in taken:
            continue
        taken.add(successor)
        result[unit.pk] = successor
    return result


def transition_preview(data: TransitionInput) -> Preview:
    """What ``transition_apply`` would do, changing nothing: for every ending unit, where its open
    assignments, targets, latest figures and accounts go; the unresolved units with the reason
    each is unresolved (Vietnamese, for the page); and the input's errors."""
    plan, errors = _resolve(data)
    applied = None
    if plan is not None:
        applied = StructureTransition.objects.filter(province=plan.province, digest=input_digest(data)).first()
    if plan is None:
        return Preview(data, None, [], [], [], errors)
    destinations = sorted(plan.destinations.values(), key=lambda d: (d.fate != "unresolved", d.unit.code))
    return Preview(data, plan.province, destinations, list(plan.new_rows.values()), plan.unresolved, errors, applied)


def unresolved_message(unresolved: list[Unresolved]) -> str:
    names = ", ".join(f"{item.name} ({item.code})" if item.name else item.code for item in unresolved[:20])
    if len(unresolved) > 20:
        names += _(" and %(n)s more") % {"n": len(unresolved) - 20}
    return _("No successor decided for: %(units)s. Map these units or close their open work.") % {"units": names}


# Apply -------------------------------------------------------------------------------------------


def transition_apply(
    data: TransitionInput, *, by: User | None, progress: Progress | None = None
) -> StructureTransition:
    """Apply ``data`` atomically; applying the same input again changes nothing and returns the
    transition already applied. Refused with a ``ValidationError`` (Vietnamese message) while
    anything is unresolved."""
    if data.effective_on > clock.today():  # is_active means "not ended": never end a unit ahead of its date
        raise ValidationError(
            _("A transition can only be applied from its effective date %(day)s.")
            % {"day": data.effective_on.strftime("%d/%m/%Y")},
            code="not_yet",
        )
    digest = input_digest(data)
    province = Unit.objects.filter(code=data.province_code, level=Unit.Level.PROVINCE).order_by("pk").first()
    if province is not None:
        done = StructureTransition.objects.filter(province=province, digest=digest).first()
        if done is not None:
            return done
    try:
        with transaction.atomic():
            return _apply(data, digest=digest, by=by, progress=progress)
    except IntegrityError:
        # Applied at the same time by someone else: theirs won, and it is the same input.
        done = StructureTransition.objects.filter(province=province, digest=digest).first()
        if done is None:
            raise
        return done


def _apply(data: TransitionInput, *, digest: str, by: User | None, progress: Progress | None) -> StructureTransition:
    plan, errors = _resolve(data)
    if errors:
        raise ValidationError(errors)
    if plan.unresolved:
        raise ValidationError(unresolved_message(plan.unresolved), code="unresolved")
    effective = data.effective_on
    # The row first: a second apply of the same input waits on it (unique digest) and gives up.
    transition = StructureTransition.objects.create(
        province=plan.province,
        effective_on=effective,
        basis=" ".join(data.basis.split()),
        digest=digest,
        applied_by=by,
        illustrative=data.illustrative,
    )
    unit_services.units_end(units=plan.ending.values(), on=effective)
    renamed_from = None
    name = " ".join(data.province_name.split())
    if name and name != plan.province.name:
        renamed_from = plan.province.name
        unit_services.province_rename(province=plan.province, name=name)
    created = unit_services.units_start(
        province=plan.province, rows=plan.new_rows.values(), valid_from=effective, parents=plan.kept
    )
    successors = {**plan.kept, **created}
    pairs = []
    for code, unit_links in plan.links.items():
        for link in unit_links:
            pairs.append(
                (plan.ending[code], successors[link.new_code], link.share, _fraction(link) or FULL, link.illustrative)
            )
    unit_services.successions_record(transition=transition, links=pairs)
    carrying = {
        code: [(successors[link.new_code], _fraction(link)) for link in links]
        for code, links in plan.links.items()
        if code not in data.closures
    }
    closed = {code: reason.strip() for code, reason in data.closures.items() if code in plan.ending}
    summary = {"ended_units": len(plan.ending), "new_units": len(created), "successions": len(pairs)}
    if plan.absorbed:
        summary["provinces_absorbed"] = len(plan.absorbed)
    summary.update(_carry_assignments(plan, transition, carrying, closed, by, progress))
    summary.update(_carry_targets(plan, transition, carrying, closed))
    summary.update(_carry_explanations(plan, transition, carrying, closed, by))
    summary.update(_carry_figures(plan, transition, carrying, by))
    summary.update(_move_accounts(plan, data, transition, successors, by))
    indicators = set(summary.pop("_indicators")) | set(summary.pop("_figure_indicators"))
    if indicators:
        # The province's daily totals: the predecessors stop counting where their successors'
        # opening figures start (tasks.summaries).
        indicator_totals_rebuild(province_id=plan.province.pk, indicator_ids=sorted(indicators))
    # Units ended and started, work ended and carried: the provinces' kept counts per status
    # are recounted (the absorbed provinces' come to nothing).
    for province_id in [plan.province.pk, *(unit.pk for unit in plan.absorbed)]:
        status_counts_rebuild(province_id=province_id)
    transition.summary = summary
    if renamed_from is not None:
        transition.summary = {**summary, "province_renamed_from": renamed_from}
    transition.save(update_fields=["summary"])
    audit_record(
        user=by,
        obj=transition,
        action="applied",
        unit=plan.province,
        changes=created_changes(
            {"effective_on": effective, "basis": transition.basis, **{k: v for k, v in transition.summary.items() if v}}
        ),
        log_action="structure.transition_applied",
        log_fields={"basis": transition.basis, "effective_on": effective.isoformat()},
    )
    return transition


def _ended_note(transition: StructureTransition) -> str:
    return _("Ended by the structure transition %(basis)s of %(day)s.") % {
        "basis": transition.basis,
        "day": transition.effective_on.strftime("%d/%m/%Y"),
    }


MERGE_ORDER = {
    Assignment.WorkStatus.NOT_STARTED: 0,
    Assignment.WorkStatus.RETURNED: 1,
    Assignment.WorkStatus.IN_PROGRESS: 2,
    Assignment.WorkStatus.REPORTED: 3,
}


def _merged_status(rows: list[dict]) -> str:
    """One work status for the rows of one task merged into one successor (DECISIONS)."""
    statuses = {row["work_status"] for row in rows}
    if len(statuses) == 1:
        return statuses.pop()
    active = [row for row in rows if row["work_status"] != Assignment.WorkStatus.PAUSED]
    if not active:
        return Assignment.WorkStatus.PAUSED
    if all(row["work_status"] == Assignment.WorkStatus.REPORTED for row in active):
        return Assignment.WorkStatus.REPORTED
    if any(row["progress"] or row["work_status"] != Assignment.WorkStatus.NOT_STARTED for row in active):
        return Assignment.WorkStatus.IN_PROGRESS
    return Assignment.WorkStatus.NOT_STARTED


def _merge_terms(rows: list[dict]) -> dict:
    dues = [row["due_date"] for row in rows if row["due_date"] is not None]
    originals = [row["original_due_date"] for row in rows if row["original_due_date"] is not None]
    status = _merged_status(rows)
    due = min(dues) if dues else None
    original = min(originals) if originals and due is not None else None
    if original == due:
        original = None
    reported = [row["reported_at"] for row in rows if row["reported_at"] is not None]
    return {
        "role": Assignment.Role.LEAD
        if any(row["role"] == Assignment.Role.LEAD for row in rows)
        else Assignment.Role.SUPPORT,
        "due_date": due,
        "original_due_date": original,
        "progress": max(row["progress"] for row in rows),
        "work_status": status,
        "reported_at": max(reported) if status == Assignment.WorkStatus.REPORTED and reported else None,
    }


ASSIGNMENT_FIELDS = ["id", "task_id", "unit_id", "role", "due_date", "original_due_date", "work_status"]
ASSIGNMENT_FIELDS += ["progress", "reported_at"]


def _carry_assignments(plan, transition, carrying, closed, by, progress) -> dict:
    ending_ids = {unit.pk: code for code, unit in plan.ending.items()}
    rows = list(Assignment.objects.filter(OPEN, unit_id__in=ending_ids).values(*ASSIGNMENT_FIELDS))
    # (task, successor) → the old rows carried there
    groups: dict[tuple[int, int], list[dict]] = defaultdict(list)
    ended_rows: list[dict] = []
    for row in rows:
        code = ending_ids[row["unit_id"]]
        ended_rows.append(row)
        if code in closed:
            continue
        for successor, _fraction_ppm in carrying.get(code, []):
            groups[(row["task_id"], successor.pk)].append(row)
    existing = {}
    successor_ids = {successor_id for _task, successor_id in groups}
    task_ids = {task_id for task_id, _successor in groups}
    for row in Assignment.objects.filter(unit_id__in=successor_ids, task_id__in=task_ids).values(*ASSIGNMENT_FIELDS):
        existing[(row["task_id"], row["unit_id"])] = row
    opening = timezone.make_aware(datetime.datetime.combine(transition.effective_on, datetime.time.min))
    now = clock.now()
    total = len(ended_rows) + len(groups)
    done = 0
    note = _ended_note(transition)
    # The old rows: ended, their version bumped so a form opened before is refused; status kept.
    by_reason: dict[str, list[int]] = defaultdict(list)
    for row in ended_rows:
        code = ending_ids[row["unit_id"]]
        by_reason[closed.get(code, "")].append(row["id"])
    for reason, ids in by_reason.items():
        for start in range(0, len(ids), BATCH):
            chunk = ids[start : start + BATCH]
            Assignment.objects.filter(pk__in=chunk).update(
                ended_by=transition,
                end_reason=reason or note,
                version=F("version") + 1,
                updated_at=now,
                updated_by=by,
            )
            done += len(chunk)
            if progress:
                progress(done, total)
    # History of the ended rows: one entry each, written by the database from the rows just
    # ended (their end reason is the note), without a Python object per row.
    _history_of_ended(transition, by, now)
    # The carried rows: new rows on the successors, or merged into a row the successor had.
    keys = list(groups)
    created = merged = 0
    for start in range(0, len(keys), BATCH):
        chunk = keys[start : start + BATCH]
        new_rows, new_keys, updates = [], [], []
        for key in chunk:
            origins = groups[key]
            mine = existing.get(key)
            if mine is not None:
                if mine["work_status"] in (Assignment.WorkStatus.CONFIRMED, Assignment.WorkStatus.CANCELLED):
                    updates.append((key, mine["id"], None))
                else:
                    updates.append((key, mine["id"], _merge_terms([mine, *origins])))
                continue
            terms = _merge_terms(origins)
            new_rows.append(Assignment(task_id=key[0], unit_id=key[1], **terms))
            new_keys.append(key)
        made = Assignment.objects.bulk_create(new_rows, batch_size=BATCH)
        ids = [row.pk for row in made]
        if ids and ids[0] is None:  # a backend that does not return keys
            found = {
                (task_id, unit_id): pk
                for pk, task_id, unit_id in Assignment.objects.filter(
                    task_id__in={k[0] for k in new_keys}, unit_id__in={k[1] for k in new_keys}
                ).values_list("pk", "task_id", "unit_id")
            }
            ids = [found[key] for key in new_keys]
        Assignment.objects.filter(pk__in=ids).update(created_at=opening)
        through = Assignment.carried_from.through
        links = [
            through(from_assignment_id=pk, to_assignment_id=origin["id"])
            for pk, key in zip(ids, new_keys, strict=True)
            for origin in groups[key]
        ]
        merged_into = []
        for key, pk, terms in updates:
            links.extend(through(from_assignment_id=pk, to_assignment_id=origin["id"]) for origin in groups[key])
            if terms is not None:
                merged_into.append(Assignment(pk=pk, version=0, updated_at=now, **terms))
        through.objects.bulk_create(links, batch_size=BATCH)
        if merged_into:
            Assignment.objects.bulk_update(
                merged_into,
                ["role", "due_date", "original_due_date", "progress", "work_status", "reported_at", "updated_at"],
                batch_size=BATCH,
            )
            Assignment.objects.filter(pk__in=[a.pk for a in merged_into]).update(version=F("version") + 1)
        HistoryEntry.objects.bulk_create(
            [
                HistoryEntry(
                    unit_id=key[1],
                    assignment_id=pk,
                    user=by,
                    action=HistoryEntry.Action.CREATED,
                    at=now,
                    changes={},
                    note=_carried_note(transition, len(groups[key])),
                )
                for pk, key in zip(ids, new_keys, strict=True)
            ],
            batch_size=BATCH,
        )
        created += len(ids)
        merged += len(updates)
        done += len(chunk)
        if progress:
            progress(done, total)
    if progress and not total:
        progress(0, 0)
    return {
        "assignments_ended": len(ended_rows),
        "assignments_closed": sum(len(ids) for reason, ids in by_reason.items() if reason),
        "assignments_carried": created,
        "assignments_merged_into_existing": merged,
    }


def _history_of_ended(transition: StructureTransition, by: User | None, now: datetime.datetime) -> None:
    """One history entry for every assignment ``transition`` ended, in one INSERT … SELECT (the
    national transition ends ~800.000 rows: building an object for each was a third of its time)."""
    history = connection.ops.quote_name(HistoryEntry._meta.db_table)
    assignments = connection.ops.quote_name(Assignment._meta.db_table)
    changes = "CAST(%s AS jsonb)" if connection.vendor == "postgresql" else "%s"
    at = connection.ops.adapt_datetimefield_value(now)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {history} (at, user_id, unit_id, assignment_id, action, changes, note) "
            f"SELECT %s, %s, unit_id, id, %s, {changes}, end_reason FROM {assignments} WHERE ended_by_id = %s",
            [at, by.pk if by else None, HistoryEntry.Action.UPDATED, "{}", transition.pk],
        )


def _carried_note(transition: StructureTransition, origins: int) -> str:
    return _("Carried over by the structure transition %(basis)s of %(day)s from %(n)s assignment(s).") % {
        "basis": transition.basis,
        "day": transition.effective_on.strftime("%d/%m/%Y"),
        "n": origins,
    }


def divide(value: int, fractions: list[int]) -> list[int]:
    """``value`` divided by ``fractions`` (millionths, summing to at most 1.000.000) in whole parts.

    Each part is rounded down, then the units left over go to the parts that lost most in
    rounding, so that the parts add up to the value's share rounded to the nearest unit (the whole
    value when the fractions add up to 1.000.000)."""
    exact = [value * fraction for fraction in fractions]  # in millionths, exact integers
    parts = [share // FULL for share in exact]
    whole = (value * sum(fractions) + FULL // 2) // FULL
    order = sorted(range(len(fractions)), key=lambda i: (-(exact[i] % FULL), i))
    for i in order[: max(0, whole - sum(parts))]:
        parts[i] += 1
    return parts


def _shares(plan, carrying, rows, value_key: str) -> dict[tuple[int, int], list[tuple[dict, int]]]:
    """(indicator, successor) → [(old row, the part of its value going there)]."""
    ending_ids = {unit.pk: code for code, unit in plan.ending.items()}
    result: dict[tuple[int, int], list[tuple[dict, int]]] = defaultdict(list)
    for row in rows:
        destinations = carrying.get(ending_ids[row["unit_id"]], [])
        if not destinations:
            continue
        parts = divide(row[value_key], [fraction or 0 for _successor, fraction in destinations])
        for (successor, _fraction_ppm), part in zip(destinations, parts, strict=True):
            result[(row["indicator_id"], successor.pk)].append((row, part))
    return result


def _carry_targets(plan, transition, carrying, closed) -> dict:
    ending_ids = {unit.pk: code for code, unit in plan.ending.items()}
    fields = ["id", "indicator_id", "unit_id", "value", "start_date", "due_date", "source_document_id", "illustrative"]
    rows = list(_open_targets(ending_ids, transition.effective_on).values(*fields))
    note = _ended_note(transition)
    by_reason: dict[str, list[int]] = defaultdict(list)
    for row in rows:
        by_reason[closed.get(ending_ids[row["unit_id"]], "")].append(row["id"])
    for reason, ids in by_reason.items():
        Target.objects.filter(pk__in=ids).update(
            ended_by=transition, end_reason=reason or note, version=F("version") + 1
        )
    carried = [row for row in rows if ending_ids[row["unit_id"]] not in closed]
    shares = _shares(plan, carrying, carried, "value")
    existing = {
        (t.indicator_id, t.unit_id): t
        for t in Target.objects.filter(
            unit_id__in={key[1] for key in shares}, indicator_id__in={key[0] for key in shares}
        )
    }
    new, updated, links = [], [], []
    now = clock.now()
    through = Target.carried_from.through
    for key, parts in shares.items():
        value = sum(part for _row, part in parts)
        origins = [row for row, _part in parts]
        mine = existing.get(key)
        if mine is not None:
            mine.value += value
            mine.version += 1
            mine.updated_at = now
            updated.append(mine)
            links.extend(through(from_target_id=mine.pk, to_target_id=row["id"]) for row in origins)
            continue
        documents = {row["source_document_id"] for row in origins}
        new.append(
            Target(
                indicator_id=key[0],
                unit_id=key[1],
                value=value,
                start_date=min(row["start_date"] for row in origins),
                due_date=min(row["due_date"] for row in origins),
                source_document_id=documents.pop() if len(documents) == 1 else None,
                illustrative=transition.illustrative or any(row["illustrative"] for row in origins),
                updated_at=now,
            )
        )
    made = Target.objects.bulk_create(new, batch_size=BATCH)
    if made and made[0].pk is None:
        found = {
            (t.indicator_id, t.unit_id): t
            for t in Target.objects.filter(
                unit_id__in={t.unit_id for t in new}, indicator_id__in={t.indicator_id for t in new}
            )
        }
        made = [found[(t.indicator_id, t.unit_id)] for t in new]
    for target in made:
        origins = [row for row, _part in shares[(target.indicator_id, target.unit_id)]]
        links.extend(through(from_target_id=target.pk, to_target_id=row["id"]) for row in origins)
    Target.objects.bulk_update(updated, ["value", "version", "updated_at"], batch_size=BATCH)
    through.objects.bulk_create(links, batch_size=BATCH)
    return {
        "targets_ended": len(rows),
        "targets_carried": len(made) + len(updated),
        "_indicators": sorted({row["indicator_id"] for row in rows}),
    }


# Explanation requests ---------------------------------------------------------------------------

EXPLANATION_FIELDS = [
    "id",
    "unit_id",
    "assignment_id",
    "target_id",
    "reason",
    "due_date",
    "status",
    "asked_by_id",
    "asked_by_unit_id",
    "asked_at",
    "first_asked_at",
    "answer",
    "answered_by_id",
    "answered_at",
    "carried_note",
    "unit__name",
    "unit__code",
    "assignment__task__document__number",
    "assignment__task__ref",
    "assignment__task__title",
    "target__indicator__name",
]


def _request_successor(code: str, destinations: list[tuple[Unit, int | None]]) -> Unit:
    """The one successor an ending unit's explanation requests follow: the full one; of a partial
    split, the one with the largest share, then the one that keeps the old code, then the first
    named (a request is one unit's to answer, it is not divided)."""
    order = {id(destination): i for i, destination in enumerate(destinations)}
    best = max(destinations, key=lambda d: (d[1] or 0, d[0].code == code, -order[id(d)]))
    return best[0]


def _carried_subjects(model, old_ids: set[int]) -> dict[tuple[int, int], int]:
    """(old assignment or target, successor unit) → the row of that successor it was carried to."""
    through = model.carried_from.through
    name = model._meta.model_name
    found: dict[tuple[int, int], int] = {}
    old = sorted(old_ids)
    for start in range(0, len(old), BATCH):
        rows = through.objects.filter(**{f"to_{name}_id__in": old[start : start + BATCH]}).values_list(
            f"to_{name}_id", f"from_{name}_id", f"from_{name}__unit_id"
        )
        for old_id, new_id, unit_id in rows:
            found[(old_id, unit_id)] = new_id
    return found


def _subject_words(row: dict) -> str:
    if row["assignment_id"]:
        number, ref = row["assignment__task__document__number"], row["assignment__task__ref"]
        return f"{number} – {ref}. {row['assignment__task__title']}"
    return row["target__indicator__name"] or ""


def _carry_explanations(plan, transition, carrying, closed, by) -> dict:
    """The not-closed explanation requests of the ending units (DECISIONS, "Explanation requests
    across a structure transition"): each old row is closed on the effective date with a note
    saying where it went (its status before stays readable as at an earlier date); a request of a
    unit with successors goes on as a new row of one successor, about the assignment or target it
    was carried to there (else the unit's work in general), with its reason, date, asker and
    answer. Two open requests that would be about the same thing of one successor become one,
    which names both origins; a closed unit's requests are closed with the closure's reason, an
    ended unit's without successor with a note. A fixed number of queries."""
    X = ExplanationRequest.Status
    ending_ids = {unit.pk: code for code, unit in plan.ending.items()}
    rows = list(_explanations_not_closed(ending_ids).order_by("pk").values(*EXPLANATION_FIELDS))
    counts = {"explanations_carried": 0, "explanations_merged": 0, "explanations_closed": 0}
    if not rows:
        return counts
    opening = timezone.make_aware(datetime.datetime.combine(transition.effective_on, datetime.time.min))
    day = transition.effective_on.strftime("%d/%m/%Y")
    successor_of = {
        pk: _request_successor(code, carrying[code])
        for pk, code in ending_ids.items()
        if code not in closed and carrying.get(code)
    }
    carried = [row for row in rows if row["unit_id"] in successor_of]
    assignments_to = _carried_subjects(Assignment, {r["assignment_id"] for r in carried if r["assignment_id"]})
    targets_to = _carried_subjects(Target, {r["target_id"] for r in carried if r["target_id"]})
    # Where each request goes: (successor, assignment, target); None stands for "in general".
    destination: dict[int, tuple[Unit, int | None, int | None]] = {}
    for row in carried:
        successor = successor_of[row["unit_id"]]
        assignment = assignments_to.get((row["assignment_id"], successor.pk)) if row["assignment_id"] else None
        target = targets_to.get((row["target_id"], successor.pk)) if row["target_id"] else None
        destination[row["id"]] = (successor, assignment, target)
    # One open request per unit and subject: the successor's own open request takes those that
    # would duplicate it; else the one due first is carried and takes the others.
    own_open = {
        (r["unit_id"], r["assignment_id"] or 0, r["target_id"] or 0): r
        for r in ExplanationRequest.objects.filter(
            unit_id__in={s.pk for s in successor_of.values()}, status=X.OPEN
        ).values("id", "unit_id", "assignment_id", "target_id", "carried_note")
    }
    open_groups: dict[tuple[int, int, int], list[dict]] = defaultdict(list)
    keepers: list[tuple[dict, list[dict]]] = []  # (the origin carried as a new row, every origin)
    for row in carried:
        successor, assignment, target = destination[row["id"]]
        if row["status"] == X.OPEN:
            open_groups[(successor.pk, assignment or 0, target or 0)].append(row)
        else:
            keepers.append((row, [row]))
    into_own: list[tuple[dict, list[dict]]] = []  # (the successor's own open request, origins merged into it)
    for key, group in open_groups.items():
        group.sort(key=lambda r: (r["due_date"], r["asked_at"], r["id"]))
        if key in own_open:
            into_own.append((own_open[key], group))
        else:
            keepers.append((group[0], group))
    merged_away = {r["id"] for _keeper, group in keepers for r in group[1:]}
    merged_away |= {r["id"] for _own, group in into_own for r in group}

    # The old rows: closed on the effective date, with where they went.
    old_rows = []
    for row in rows:
        if row["unit_id"] in successor_of:
            words = (
                _(
                    "The unit was reorganised from %(day)s; the request went to %(successor)s, merged into its open "
                    "request about the same matter."
                )
                if row["id"] in merged_away
                else _("The unit was reorganised from %(day)s; the request went to %(successor)s.")
            )
            note = words % {"day": day, "successor": successor_of[row["unit_id"]].name}
        elif ending_ids[row["unit_id"]] in closed:
            note = closed[ending_ids[row["unit_id"]]]
        else:
            note = _("The unit ended on %(day)s (%(basis)s) without a successor; the request is closed.") % {
                "day": day,
                "basis": transition.basis,
            }
        old_rows.append(
            ExplanationRequest(
                pk=row["id"],
                status=X.CLOSED,
                closed_at=opening,
                closed_by=by,
                close_note=note,
                ended_by=transition,
                end_reason=note,
                version=F("version") + 1,
            )
        )
    ExplanationRequest.objects.bulk_update(
        old_rows,
        ["status", "closed_at", "closed_by", "close_note", "ended_by", "end_reason", "version"],
        batch_size=BATCH,
    )

    def origin_line(row: dict) -> str:
        return _("The request to %(unit)s (explain by %(due)s) was merged into this one: “%(reason)s”") % {
            "unit": f"{row['unit__name']} ({row['unit__code']})",
            "due": row["due_date"].strftime("%d/%m/%Y"),
            "reason": " ".join(row["reason"].split()),
        }

    def note_for(keeper: dict, group: list[dict], about: tuple) -> str:
        units = ", ".join(dict.fromkeys(f"{r['unit__name']} ({r['unit__code']})" for r in group))
        lines = [
            _("Carried over from the request to %(units)s by the structure transition %(basis)s of %(day)s.")
            % {"units": units, "basis": transition.basis, "day": day}
        ]
        lines += [origin_line(r) for r in group if r is not keeper]
        if (keeper["assignment_id"] or keeper["target_id"]) and not (about[1] or about[2]):
            lines.append(
                _("It was about: %(subject)s (no longer open, so the request is about the unit's work in general).")
                % {"subject": _subject_words(keeper)}
            )
        if keeper["carried_note"]:
            lines.append(keeper["carried_note"])
        return "\n".join(lines)

    new_rows = []
    for keeper, group in keepers:
        successor, assignment, target = destination[keeper["id"]]
        new_rows.append(
            ExplanationRequest(
                unit=successor,
                assignment_id=assignment,
                target_id=target,
                reason=keeper["reason"],
                due_date=keeper["due_date"],
                status=keeper["status"],
                asked_by_id=keeper["asked_by_id"],
                asked_by_unit_id=keeper["asked_by_unit_id"],
                asked_at=opening,
                first_asked_at=keeper["first_asked_at"] or keeper["asked_at"],
                answer=keeper["answer"],
                answered_by_id=keeper["answered_by_id"],
                answered_at=keeper["answered_at"],
                carried_note=note_for(keeper, group, destination[keeper["id"]]),
            )
        )
    if connection.features.can_return_rows_from_bulk_insert:
        ExplanationRequest.objects.bulk_create(new_rows, batch_size=BATCH)
    else:  # a backend that does not return keys: one by one (requests are few)
        for request in new_rows:
            request.save()
    merged_into = []
    for own, group in into_own:
        lines = [origin_line(r) for r in group]
        if own["carried_note"]:
            lines.insert(0, own["carried_note"])
        merged_into.append(ExplanationRequest(pk=own["id"], carried_note="\n".join(lines), version=F("version") + 1))
    ExplanationRequest.objects.bulk_update(merged_into, ["carried_note", "version"], batch_size=BATCH)
    pairs = [(r["id"], new.pk) for (_keeper, group), new in zip(keepers, new_rows, strict=True) for r in group]
    pairs += [(r["id"], own["id"]) for own, group in into_own for r in group]
    through = ExplanationRequest.carried_from.through
    through.objects.bulk_create(
        [through(from_explanationrequest_id=new, to_explanationrequest_id=old) for old, new in pairs],
        batch_size=BATCH,
    )
    # reports keeps who was escalated about what: a request carried over is not escalated again.
    signals.explanations_carried.send(sender=ExplanationRequest, pairs=pairs)
    counts["explanations_carried"] = len(new_rows)
    counts["explanations_merged"] = len(merged_away)
    counts["explanations_closed"] = len(rows) - len(carried)
    return counts


def _carry_figures(plan, transition, carrying, by) -> dict:
    ending_ids = {unit.pk: code for code, unit in plan.ending.items()}
    carried_ids = [pk for pk, code in ending_ids.items() if code in carrying]
    rows = list(_latest_figures(carried_ids, transition.effective_on).values("id", "indicator_id", "unit_id", "value"))
    shares = _shares(plan, carrying, rows, "value")
    successor_ids = {key[1] for key in shares}
    indicator_ids = {key[0] for key in shares}
    own_latest = {(r.indicator_id, r.unit_id): r.value for r in _latest_figures(successor_ids, transition.effective_on)}
    same_day = {
        (r.indicator_id, r.unit_id): r
        for r in IndicatorReport.objects.filter(
            unit_id__in=successor_ids, indicator_id__in=indicator_ids, as_of=transition.effective_on
        )
    }
    note = _("Opening figure: the sum of the latest figures of %(units)s, carried over by %(basis)s.")
    names = {unit.pk: f"{unit.name} ({unit.code})" for unit in plan.ending.values()}
    new, updated = [], []
    for key, parts in shares.items():
        value = sum(part for _row, part in parts)
        text = note % {"units": ", ".join(names[row["unit_id"]] for row, _part in parts), "basis": transition.basis}
        if key in same_day:
            figure = same_day[key]
            figure.value += value
            figure.carried = True
            updated.append(figure)
            continue
        new.append(
            IndicatorReport(
                indicator_id=key[0],
                unit_id=key[1],
                as_of=transition.effective_on,
                value=own_latest.get(key, 0) + value,
                note=text,
                reported_by=by,
                carried=True,
            )
        )
    IndicatorReport.objects.bulk_create(new, batch_size=BATCH)
    IndicatorReport.objects.bulk_update(updated, ["value", "carried"], batch_size=BATCH)
    return {"figures_carried": len(new) + len(updated), "_figure_indicators": sorted(indicator_ids)}


def _move_accounts(plan, data, transition, successors, by) -> dict:
    ending_ids = {unit.pk: code for code, unit in plan.ending.items()}
    accounts = defaultdict(list)
    for account in User.objects.filter(unit_id__in=ending_ids, is_active=True).order_by("pk"):
        accounts[account.unit_id].append(account)
    heads = _successor_heads(plan, data, accounts)
    successors = {
        **plan.kept,
        **{u.code: u for u in Unit.objects.filter(province=plan.province, valid_from=transition.effective_on)},
    }
    moves, deactivate = [], []
    for unit_id, members in accounts.items():
        code = ending_ids[unit_id]
        full = _full_successor(plan.links.get(code, []))
        for account in members:
            if full is None:
                deactivate.append(account.pk)
            elif account.role == User.Role.UNIT_HEAD and heads.get(unit_id) == full:
                moves.append(unit_services.AccountMove(account.pk, successors[full], User.Role.UNIT_HEAD))
            elif data.accounts == "deactivate":
                deactivate.append(account.pk)
            else:
                role = User.Role.UNIT_STAFF if account.role == User.Role.UNIT_HEAD else account.role
                moves.append(unit_services.AccountMove(account.pk, successors[full], role))
    counts = unit_services.accounts_transfer(moves=moves, deactivate=deactivate, by=by, note=_ended_note(transition))
    return {"accounts_moved": counts["moved"], "accounts_deactivated": counts["deactivated"]}


def transition_input(
    *,
    province_code: str,
    effective_on: datetime.date,
    basis: str,
    units: list[UnitRow],
    mapping,
    closures: dict[str, str] | None = None,
    ended: list[str] | None = None,
    accounts: str = "follow",
) -> TransitionInput:
    """The input from the readers' rows (``units.loaders.MappingRow``s), for the command and the page.

    ``ended`` may hold "districts": every district of the province in force the day before ends
    (the two-level structure of 01/07/2025)."""
    ended = list(ended or [])
    if "districts" in ended:
        ended.remove("districts")
        eve = effective_on - datetime.timedelta(days=1)
        ended += list(
            Unit.objects.filter(province__code=province_code, level=Unit.Level.DISTRICT)
            .valid_on(eve)
            .values_list("code", flat=True)
        )
    return TransitionInput(
        province_code=province_code,
        effective_on=effective_on,
        basis=basis,
        new_units=list(units),
        links=[Link(row.old_code, row.new_code, row.share, row.fraction_ppm) for row in mapping],
        ended=ended,
        closures=dict(closures or {}),
        accounts=accounts,
    )
