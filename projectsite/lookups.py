"""Integer lookups that never send the database a number its column cannot hold.

Django (5.0+) checks the range of ``field=value`` and ``field__gt=value`` on an integer field: a
value beyond the column matches nothing (or everything) without a query. It does not for
``field__in=[...]`` nor for the lookups through a foreign key (``unit=…``, ``unit_id__in=[…]``,
``unit__lt=…``), so an id of 10**30 from a form or a URL crashed the request: SQLite's driver
raises OverflowError, PostgreSQL "bigint out of range". These lookups, registered on
``IntegerField`` and ``ForeignObject`` by ``projectsite.apps``, apply the same rule: a value out of
the column's range (or no integer at all) is dropped from ``__in`` and decides a comparison
without asking the database.
"""

from django.core.exceptions import EmptyResultSet, FieldError, FullResultSet
from django.db.models import ForeignObject, IntegerField
from django.db.models.fields.related_lookups import (
    RelatedExact,
    RelatedGreaterThan,
    RelatedGreaterThanOrEqual,
    RelatedIn,
    RelatedLessThan,
    RelatedLessThanOrEqual,
)
from django.db.models.lookups import In


def _column_range(lookup, connection) -> tuple[int | None, int | None] | None:
    """The range of the integer column behind the lookup's left side; None when not an integer."""
    field = lookup.lhs.output_field
    if isinstance(field, ForeignObject):
        try:
            field = field.target_field  # a foreign key: the column it points at
        except FieldError:  # a relation of several columns
            return None
    if not isinstance(field, IntegerField):
        return None
    try:
        return connection.ops.integer_field_range(field.get_internal_type())
    except KeyError:
        return None


def _out_of_range(value, bounds) -> int:
    """-1 below the range, 1 above it, 0 within it (or not an int)."""
    if bounds is None or not isinstance(value, int) or isinstance(value, bool):
        return 0
    low, high = bounds
    if low is not None and value < low:
        return -1
    if high is not None and value > high:
        return 1
    return 0


class _BoundedIn:
    """``__in`` without the values the column cannot hold; none left matches nothing."""

    def process_rhs(self, compiler, connection):
        if self.rhs_is_direct_value() and not getattr(self.rhs, "contains_over_clause", False):
            bounds = _column_range(self, connection)
            if bounds is not None:
                try:
                    values = list(self.rhs)
                except TypeError:
                    values = None
                if values is not None:
                    kept = [value for value in values if not _out_of_range(value, bounds)]
                    if not [value for value in kept if value is not None]:
                        raise EmptyResultSet
                    self.rhs = kept
        return super().process_rhs(compiler, connection)


class _BoundedComparison:
    """A comparison with a value out of the column's range: decided without the database."""

    below = EmptyResultSet  # what ``column <op> value`` is when the value is below every row
    above = EmptyResultSet

    def process_rhs(self, compiler, connection):
        if self.rhs_is_direct_value():
            side = _out_of_range(self.rhs, _column_range(self, connection))
            if side < 0:
                raise self.below
            if side > 0:
                raise self.above
        return super().process_rhs(compiler, connection)


class BoundedIn(_BoundedIn, In):
    """Also without the values that are no integer at all ("abc", "²"): no row has such an id.

    The admin's autocomplete widget, redrawing a refused form, filters ``id__in`` by what was posted.
    """

    def get_prep_lookup(self):
        if self.rhs_is_direct_value() and self.prepare_rhs and isinstance(self.rhs, list | tuple | set | frozenset):
            field = self.lhs.output_field
            kept = []
            for value in self.rhs:
                try:
                    field.get_prep_value(value)
                except (TypeError, ValueError):
                    continue
                kept.append(value)
            self.rhs = kept
        return super().get_prep_lookup()


class BoundedRelatedIn(_BoundedIn, RelatedIn):
    pass


class BoundedRelatedExact(_BoundedComparison, RelatedExact):
    pass


class BoundedRelatedGreaterThan(_BoundedComparison, RelatedGreaterThan):
    below = FullResultSet


class BoundedRelatedGreaterThanOrEqual(_BoundedComparison, RelatedGreaterThanOrEqual):
    below = FullResultSet


class BoundedRelatedLessThan(_BoundedComparison, RelatedLessThan):
    above = FullResultSet


class BoundedRelatedLessThanOrEqual(_BoundedComparison, RelatedLessThanOrEqual):
    above = FullResultSet


def register() -> None:
    IntegerField.register_lookup(BoundedIn)
    for lookup in (
        BoundedRelatedIn,
        BoundedRelatedExact,
        BoundedRelatedGreaterThan,
        BoundedRelatedGreaterThanOrEqual,
        BoundedRelatedLessThan,
        BoundedRelatedLessThanOrEqual,
    ):
        ForeignObject.register_lookup(lookup)
