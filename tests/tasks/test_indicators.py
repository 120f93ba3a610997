"""Attainment against target and the expected-to-date line, rolled up the unit tree."""

import datetime

import pytest

from tasks.indicators import expected_fraction, progress_tree
from tasks.models import Indicator, IndicatorReport, Target
from tests.conftest import TODAY

START, DUE = datetime.date(2023, 1, 1), datetime.date(2023, 6, 30)


def test_expected_fraction_runs_from_0_at_the_start_to_1_at_the_due_date():
    assert expected_fraction(START, DUE, START) == 0
    assert expected_fraction(START, DUE, DUE) == 1
    assert expected_fraction(START, DUE, DUE + datetime.timedelta(days=30)) == 1
    assert expected_fraction(START, DUE, START - datetime.timedelta(days=3)) == 0
    assert round(expected_fraction(START, DUE, TODAY), 3) == round(170 / 180, 3)


@pytest.fixture
def targets(tree):
    indicator = Indicator.objects.create(code="DDDT", name="Kích hoạt", unit_of_measure="tk")

    def target(unit, value):
        return Target.objects.create(indicator=indicator, unit=unit, value=value, start_date=START, due_date=DUE)

    result = {
        "province": target(tree.province, 3000),
        "area": target(tree.area, 2000),
        "commune": target(tree.commune, 1200),
        "commune2": target(tree.commune2, 800),
        "other_district": target(tree.other_district, 1000),
        "other_commune": target(tree.other_commune, 1000),
    }
    for unit, day, value in [
        (tree.commune, datetime.date(2023, 6, 1), 600),
        (tree.commune, datetime.date(2023, 6, 15), 1140),  # the latest counts
        (tree.commune2, datetime.date(2023, 6, 14), 400),
        (tree.other_commune, datetime.date(2023, 6, 18), 990),
    ]:
        IndicatorReport.objects.create(indicator=indicator, unit=unit, as_of=day, value=value)
    return result


def test_a_commune_reports_its_own_latest_figure(tree, targets):
    (node,) = progress_tree(unit=tree.commune, today=TODAY)
    assert (node.actual, node.as_of, node.reports_itself) == (1140, datetime.date(2023, 6, 15), True)
    assert node.attainment == pytest.approx(0.95)
    assert not node.behind  # 95% against 94.4% expected


def test_a_district_is_the_sum_of_its_communes(tree, targets):
    (node,) = progress_tree(unit=tree.area, today=TODAY)
    assert (node.actual, node.reports_itself) == (1540, False)
    assert node.as_of == datetime.date(2023, 6, 15)
    assert [child.target.unit for child in node.children] == [tree.commune, tree.commune2]
    assert node.behind  # 77% against 94.4% expected
    assert node.children[1].behind and not node.children[0].behind


def test_the_province_is_the_sum_of_its_districts(tree, targets):
    (node,) = progress_tree(unit=tree.province, today=TODAY)
    assert node.actual == 1540 + 990
    assert node.attainment == pytest.approx(2530 / 3000)


def test_a_unit_without_figures_has_no_attainment_and_is_behind(tree, targets):
    IndicatorReport.objects.filter(unit=tree.other_commune).delete()
    (node,) = progress_tree(unit=tree.other_district, today=TODAY)
    assert node.actual is None and node.attainment is None and node.behind


def test_it_takes_one_query_whatever_the_tree(tree, targets, django_assert_num_queries):
    with django_assert_num_queries(1):
        progress_tree(unit=tree.province, today=TODAY)


def test_an_indicator_given_only_to_communes_is_still_counted(tree):
    from tasks.indicators import progress_nodes

    indicator = Indicator.objects.create(code="XA", name="Chỉ giao cho xã", unit_of_measure="hs")
    Target.objects.create(indicator=indicator, unit=tree.commune, value=100, start_date=START, due_date=DUE)
    IndicatorReport.objects.create(indicator=indicator, unit=tree.commune, as_of=TODAY, value=30)
    (node,) = progress_nodes(unit=tree.province, today=TODAY)
    assert (node.target.unit, node.actual, node.behind) == (tree.commune, 30, True)
    assert progress_tree(unit=tree.province, today=TODAY) == []  # the province itself has no target


def test_the_light_nodes_roll_up_like_the_full_ones(tree, targets, django_assert_num_queries):
    from tasks.indicators import progress_nodes

    full = {
        (n.target.unit_id, n.actual, n.as_of, n.behind, n.attainment)
        for n in progress_nodes(unit=tree.province, today=TODAY)
    }
    with django_assert_num_queries(2):
        light = progress_nodes(unit=tree.province, today=TODAY, light=True)
    assert {(n.target.unit_id, n.actual, n.as_of, n.behind, n.attainment) for n in light} == full
    assert len(full) == 6
    assert {n.target.indicator.name for n in light} == {"Kích hoạt"}
