"""Structure transitions: a province's units change on a date (communes merged or split, the
district level ended, agencies merged or renamed), and the open work moves with them.

This module is the one way a structure changes, for the page, the command and the demo alike.
Its input says what the new structure is and where every old unit goes; ``transition_preview``
shows where each old unit's open assignments, targets, latest figures and accounts would go and
lists what is unresolved; ``transition_apply`` applies it atomically and idempotently.

The contract (the dataclasses and the two functions' signatures) is fixed; see
docs/DECISIONS.md, "Structure transitions", for the rules.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field

from units.loaders import UnitRow
from units.models import StructureTransition, UnitSuccession, User


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


Progress = Callable[[int, int], None]  # (done, total), for a command's progress bar


def transition_preview(data: TransitionInput):
    """What ``transition_apply`` would do, changing nothing: for every ending unit, where its open
    assignments, targets, latest figures and accounts go; the unresolved units with the reason
    each is unresolved (Vietnamese, for the page); and the input's errors."""
    raise NotImplementedError


def transition_apply(
    data: TransitionInput, *, by: User | None, progress: Progress | None = None
) -> StructureTransition:
    """Apply ``data`` atomically; applying the same input again changes nothing and returns the
    transition already applied. Refused with a ``ValidationError`` (Vietnamese message) while
    anything is unresolved."""
    raise NotImplementedError
