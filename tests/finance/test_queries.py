"""Government share and cost per beneficiary on the hand-computed `world` (see conftest)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from crecer.finance import queries

pytestmark = pytest.mark.django_db


def test_government_share_counts_government_sources_with_in_kind_valued(world, tree):
    # La Ceiba: central 3000 + municipality in kind 1000 of 10000 (community in kind and UNICEF
    # are not government)
    assert queries.government_share(tree.muni_a1, 2025) == Decimal(40)
    assert queries.government_share(tree.muni_a2, 2025) == Decimal(50)
    share = queries.government_share(world["province"], 2025)
    assert share.quantize(Decimal("0.001")) == Decimal("42.857")  # 6000 / 14000
    assert queries.government_share(tree.muni_b1, 2025) is None  # nothing spent: no value


def test_other_years_are_left_out(world, tree):
    assert queries.government_share(tree.muni_a1, 2024) == Decimal(100)  # 700 central only
    o = queries.overview(None, tree.muni_a1, 2025)
    assert o.expenditure == Decimal("10000.00")


def test_cost_per_beneficiary_counts_households_active_in_the_year(world, tree, users):
    admin = users["admin"]
    assert queries.beneficiaries(admin, tree.muni_a1, 2025) == 4
    assert queries.cost_per_beneficiary(admin, tree.muni_a1, 2025) == Decimal(2500)
    assert queries.cost_per_beneficiary(admin, tree.muni_a2, 2025) == Decimal(2000)
    province = queries.cost_per_beneficiary(admin, world["province"], 2025)
    assert province.quantize(Decimal("0.01")) == Decimal("2333.33")  # 14000 / 6
    # one programme only: the cash-transfer-only family drops out
    assert queries.beneficiaries(admin, tree.muni_a1, 2025, programme="home") == 3
    # no family: no value (not a division by zero)
    assert queries.cost_per_beneficiary(admin, tree.muni_b1, 2025) is None


def test_beneficiaries_are_read_within_the_users_scope(world, tree, users):
    # the municipal officer of B1 sees no family of La Ceiba
    assert queries.beneficiaries(users["municipal_officer_b"], tree.muni_a1, 2025) == 0


def test_overview_by_source_category_child_and_ecd_line(world, tree, users):
    o = queries.overview(users["admin"], world["province"], 2025)
    assert (o.budget, o.expenditure, o.government) == (Decimal(10000), Decimal(14000),
                                                       Decimal(6000))
    assert o.in_kind == Decimal(1500)
    assert o.beneficiaries == 6
    by_source = {r.source.code: r for r in o.sources}
    assert by_source["unicef"].expenditure == Decimal(7500)
    assert by_source["unicef"].budget == Decimal(8500)
    assert by_source["municipalidad"].in_kind == Decimal(1000)
    assert by_source["municipalidad"].budget == Decimal(1500)
    assert sum(r.share for r in o.sources) == Decimal(100)
    # government sources come first (kind order), then the others
    assert [r.source.code for r in o.sources][0] == "gobierno-central"
    categories = {r.code: r for r in o.categories}
    assert categories["training"].expenditure == Decimal(2000)
    assert categories["training"].budget == Decimal(8500)
    assert categories["food"].execution is None  # no budget
    children = {r.unit.code: r for r in o.children}
    assert children["HN-0101"].expenditure == Decimal(10000)
    assert children["HN-0101"].government_share == Decimal(40)
    assert children["HN-0101"].cost_per_beneficiary == Decimal(2500)
    assert children["HN-0101"].ecd_line is True
    assert children["HN-0102"].beneficiaries == 2
    assert children["HN-0102"].ecd_line is False
    assert [(r.unit.code, r.has_line, r.amount) for r in o.ecd] == [
        ("HN-0102", False, Decimal(0)), ("HN-0101", True, Decimal(1500))]
    assert o.ecd_count == 1


def test_overview_of_a_municipality_splits_by_community(world, tree, users):
    o = queries.overview(users["admin"], tree.muni_a1, 2025)
    children = {r.unit.code: r for r in o.children}
    assert children["HN-0101-001"].expenditure == Decimal(500)  # the community's in kind
    assert children["HN-0101-001"].beneficiaries == 3  # a1[0..2]
    assert children["HN-0101-002"].beneficiaries == 1
    assert all(r.ecd_line is None for r in o.children)  # communities have no budget line
    assert [r.unit.code for r in o.ecd] == ["HN-0101"]  # the municipality itself


def test_by_year_and_covered_municipalities(world, tree):
    years = {y.year: y for y in queries.by_year(world["province"])}
    assert sorted(years) == [2024, 2025, 2026]
    assert years[2025].government_share.quantize(Decimal("0.1")) == Decimal("42.9")
    assert years[2025].budget == Decimal(10000)
    assert years[2026].expenditure == Decimal(900)
    assert queries.covered_municipalities(tree.country, 2025) == 2
    assert queries.covered_municipalities(tree.country, 2026) == 1
    assert queries.covered_municipalities(tree.muni_a1, 2025) == 1
    assert queries.covered_municipalities(tree.comm_a1, 2025) == 0
    assert queries.years_with_data(tree.muni_a1) == [2026, 2025, 2024]


def test_overview_queries_do_not_grow_with_the_tree(world, tree, users,
                                                     django_assert_max_num_queries):
    from crecer.territory.actions import create_unit

    admin = users["admin"]
    queries.overview(admin, tree.country, 2025)  # warm the level cache
    with django_assert_max_num_queries(20) as before:
        queries.overview(admin, tree.country, 2025)
    province = tree.muni_a1.parent
    for i in range(8):
        create_unit(code=f"HN-01{i + 10}", name=f"Nuevo {i}", parent=province)
    with django_assert_max_num_queries(len(before.captured_queries)):
        queries.overview(admin, tree.country, 2025)
