"""The kept daily totals behind the dashboard's trend: what they sum, and that every writer keeps them."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from reports.selectors import indicator_summaries
from tasks import services
from tasks.models import MAX_FIGURE, Indicator, IndicatorReport, IndicatorTotalChange, Target
from tasks.summaries import indicator_totals_rebuild, province_daily_totals, province_leaf_units
from tests.conftest import TODAY
from tests.factories import make_user

START, DUE = datetime.date(2023, 1, 1), datetime.date(2023, 6, 30)
DAY = datetime.date(2023, 6, 1)


def kept(province) -> dict:
    """The summary as it is, without days whose change is zero."""
    return {
        (row.indicator_id, row.day): row.delta
        for row in IndicatorTotalChange.objects.filter(province=province)
        if row.delta
    }


def assert_same_as_rebuilt(province) -> None:
    before = kept(province)
    indicator_totals_rebuild(province_id=province.pk)
    assert before == kept(province)


@pytest.fixture
def indicator(tree):
    indicator = Indicator.objects.create(code="DDDT", name="Kích hoạt", unit_of_measure="tk")
    for unit in (tree.province, tree.area, tree.commune, tree.commune2, tree.other_commune):
        Target.objects.create(indicator=indicator, unit=unit, value=1000, start_date=START, due_date=DUE)
    return indicator


def test_the_total_carries_each_leafs_latest_figure_forward(tree, indicator):
    for unit, offset, value in [
        (tree.commune, -10, 100),  # before the period: carried into it
        (tree.commune, 2, 150),
        (tree.commune, 4, 140),  # corrected down
        (tree.commune2, 3, 70),  # first figure inside the period
        (tree.other_commune, 1, 999),  # its district has no target: not under the province
    ]:
        IndicatorReport.objects.create(
            indicator=indicator, unit=unit, as_of=DAY + datetime.timedelta(days=offset), value=value
        )
    indicator_totals_rebuild(province_id=tree.province.pk)
    series, actual, as_of = province_daily_totals(
        province_id=tree.province.pk, indicator_id=indicator.pk, start=DAY, end=DAY + datetime.timedelta(days=5)
    )
    assert [total for _day, total in series] == [100, 100, 150, 220, 210, 210]
    assert series[0][0] == DAY and len(series) == 6
    assert (actual, as_of) == (210, DAY + datetime.timedelta(days=4))
    assert province_leaf_units(province_id=tree.province.pk, indicator_id=indicator.pk) == sorted(
        [tree.commune.pk, tree.commune2.pk]
    )


def test_nothing_reported_gives_no_actual(tree, indicator):
    series, actual, as_of = province_daily_totals(
        province_id=tree.province.pk, indicator_id=indicator.pk, start=DAY, end=DAY + datetime.timedelta(days=2)
    )
    assert [total for _day, total in series] == [0, 0, 0] and actual is None and as_of is None


def test_reports_in_any_order_keep_the_summary_equal_to_a_rebuild(tree, indicator, fixed_today):
    head2 = make_user(tree.commune2, username="head-commune2")
    commune = Target.objects.get(indicator=indicator, unit=tree.commune)
    commune2 = Target.objects.get(indicator=indicator, unit=tree.commune2)
    steps = [
        (commune, tree.head_commune, 10, 100, ""),
        (commune, tree.head_commune, 14, 300, ""),
        (commune, tree.head_commune, 12, 200, ""),  # back-dated between two figures
        (commune2, head2, 12, 50, ""),
        (commune, tree.head_commune, 14, 250, "Rà soát trùng lặp"),  # the same day replaced, lower
        (commune, tree.head_commune, 5, 20, ""),  # before every other figure
        (commune2, head2, 12, 50, ""),  # the same value again: no change
        (commune2, head2, 19, 80, ""),
    ]
    for target, user, day, value, note in steps:
        services.figure_report(target=target, user=user, as_of=datetime.date(2023, 6, day), value=value, note=note)
        assert_same_as_rebuilt(tree.province)
    (summary,) = indicator_summaries(province=tree.province, today=TODAY)
    assert (summary.node.actual, summary.node.as_of) == (250 + 80, datetime.date(2023, 6, 19))
    by_day = dict(summary.series)
    assert by_day[datetime.date(2023, 6, 12)] == 200 + 50
    assert by_day[datetime.date(2023, 6, 13)] == 250
    assert by_day[datetime.date(2023, 6, 14)] == 250 + 50


def test_a_figure_of_a_unit_outside_the_province_tree_leaves_the_total_alone(tree, indicator, fixed_today):
    other = Target.objects.get(indicator=indicator, unit=tree.other_commune)
    services.figure_report(target=other, user=tree.head_other_commune, as_of=TODAY, value=500)
    assert kept(tree.province) == {}


def test_a_new_target_brings_its_units_figures_into_the_total(tree, indicator, fixed_today):
    other = Target.objects.get(indicator=indicator, unit=tree.other_commune)
    services.figure_report(target=other, user=tree.head_other_commune, as_of=TODAY, value=500)
    services.targets_set(
        indicator=indicator,
        values={tree.other_district: 1000},
        user=tree.secretariat,
        province=tree.province,
        start_date=START,
        due_date=DUE,
    )
    assert kept(tree.province) == {(indicator.pk, TODAY): 500}
    (summary,) = indicator_summaries(province=tree.province, today=TODAY)
    assert summary.node.actual == 500


def test_a_figure_is_not_added_in_the_admin_so_the_summary_is_kept_by_the_services(client, tree, indicator):
    """Figures are reported through figure_report (bounds, history, summary); the admin only reads them."""
    tree.secretariat.is_staff = True
    tree.secretariat.is_superuser = True
    tree.secretariat.save()
    client.force_login(tree.secretariat)
    response = client.post(
        "/admin/tasks/indicatorreport/add/",
        {"indicator": indicator.pk, "unit": tree.commune.pk, "as_of": "15/06/2023", "value": 321, "note": ""},
    )
    assert response.status_code == 403
    assert not IndicatorReport.objects.exists() and kept(tree.province) == {}


def test_rebuild_summaries_puts_back_what_was_lost(tree, indicator):
    from io import StringIO

    from django.core.management import call_command

    IndicatorReport.objects.create(indicator=indicator, unit=tree.commune, as_of=DAY, value=77)
    IndicatorTotalChange.objects.all().delete()
    out = StringIO()
    call_command("rebuild_summaries", stdout=out)
    assert kept(tree.province) == {(indicator.pk, DAY): 77}
    assert "Xong" in out.getvalue()


def test_figures_at_the_bound_add_up_in_the_province_total_and_one_beyond_it_is_refused(tree, indicator, fixed_today):
    head2 = make_user(tree.commune2, username="head-commune2")
    for unit, user in ((tree.commune, tree.head_commune), (tree.commune2, head2)):
        target = Target.objects.get(indicator=indicator, unit=unit)
        services.figure_report(target=target, user=user, as_of=TODAY, value=MAX_FIGURE, confirmed=True)
    with pytest.raises(ValidationError) as refused:
        target = Target.objects.get(indicator=indicator, unit=tree.commune)
        services.figure_report(target=target, user=tree.head_commune, as_of=TODAY, value=2**63 - 1, confirmed=True)
    assert "value" in refused.value.message_dict
    assert_same_as_rebuilt(tree.province)
    (summary,) = indicator_summaries(province=tree.province, today=TODAY)
    assert summary.node.actual == 2 * MAX_FIGURE
    assert dict(summary.series)[TODAY] == 2 * MAX_FIGURE
