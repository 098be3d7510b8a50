"""Completeness and timeliness of reporting against the hand-computed month of conftest.py."""

from __future__ import annotations

import datetime as dt

import pytest

from crecer.indicators import periods
from crecer.quality import queries
from crecer.quality.reporting import expected_contacts, month_window, reporting

from .conftest import MONTH, TODAY


def test_expected_contacts_rounds_half_up():
    assert expected_contacts(31, 7) == 4  # 4.4
    assert expected_contacts(31, 30) == 1
    assert expected_contacts(28, 30) == 1  # February, monthly
    assert expected_contacts(7, 30) == 0  # joined on the 25th
    assert expected_contacts(12, 14) == 1
    assert expected_contacts(31, 1) == 31  # daily day care
    assert expected_contacts(0, 7) == expected_contacts(10, 0) == 0


def test_month_window_stops_today():
    march = periods.parse("202503")
    assert month_window(march, TODAY) == (dt.date(2025, 3, 1), dt.date(2025, 3, 31))
    assert month_window(march, dt.date(2025, 3, 15)) == (dt.date(2025, 3, 1),
                                                        dt.date(2025, 3, 15))
    assert month_window(march, dt.date(2025, 2, 27))[1] is None


def test_per_volunteer_and_territory_match_the_hand_computation(
        tree, users, fieldwork, django_assert_max_num_queries):
    officer = users["municipal_officer"]
    rows = queries.rows_below(tree.muni_a1)
    assert [r.name for r in rows] == ["Corozal", "Sambo Creek"]  # the health centre is left out
    with django_assert_max_num_queries(7):
        rep = reporting(officer, tree.muni_a1, periods.parse(MONTH), rows=rows, today=TODAY)
    by_name = {r.name: r for r in rep.volunteers}
    assert set(by_name) == {"vol", "vol2", "fac"}  # vol_b works in another municipality
    vol, vol2, fac = by_name["vol"].tally, by_name["vol2"].tally, by_name["fac"].tally
    assert (vol.households, vol.expected, vol.recorded, vol.contacts, vol.timely) == (3, 6, 4, 5, 4)
    assert vol.completeness == pytest.approx(100 * 4 / 6)
    assert vol.timeliness == pytest.approx(80.0)
    assert by_name["vol"].places == ["Sambo Creek"]
    assert (vol2.households, vol2.expected, vol2.recorded, vol2.contacts, vol2.timely) == \
        (1, 1, 1, 1, 0)
    assert (vol2.completeness, vol2.timeliness) == (100.0, 0.0)
    assert (fac.expected, fac.contacts, fac.timely, fac.completeness) == (0, 1, 1, None)
    # worst completeness first, no expectation last
    assert [r.name for r in rep.volunteers] == ["vol", "vol2", "fac"]
    terr = {r.unit.name: r.tally for r in rep.territories}
    sambo, corozal = terr["Sambo Creek"], terr["Corozal"]
    assert (sambo.expected, sambo.recorded, sambo.contacts, sambo.timely) == (6, 4, 6, 5)
    assert (corozal.expected, corozal.recorded, corozal.contacts, corozal.timely) == (1, 1, 1, 0)
    total = rep.total
    assert (total.households, total.expected, total.recorded, total.contacts, total.timely) == \
        (4, 7, 5, 7, 5)
    assert total.completeness == pytest.approx(100 * 5 / 7)


def test_scope_and_roll_up_to_the_country(tree, users, fieldwork):
    """The national manager sees both regions; the first region's officer never sees vol_b."""
    national = users["national_manager"]
    rows = queries.rows_below(tree.country)
    rep = reporting(national, tree.country, periods.parse(MONTH), rows=rows, today=TODAY)
    terr = {r.unit.name: r.tally for r in rep.territories}
    assert (terr["Atlántida"].expected, terr["Atlántida"].recorded) == (7, 5)
    assert (terr["Francisco Morazán"].expected, terr["Francisco Morazán"].recorded,
            terr["Francisco Morazán"].contacts) == (1, 1, 1)
    assert (rep.total.expected, rep.total.recorded, rep.total.contacts) == (8, 6, 8)
    # the officer of La Ceiba asking about the whole country gets her municipality only
    officer = users["municipal_officer"]
    rep = reporting(officer, tree.country, periods.parse(MONTH), today=TODAY)
    assert "vol_b" not in {r.name for r in rep.volunteers}
    assert (rep.total.expected, rep.total.contacts) == (7, 7)


def test_the_current_month_counts_up_to_today(tree, users, fieldwork):
    """On 15 March: BABY 15 days weekly -> 2, OLDER 15/30 -> 1 (half up), NEW not yet."""
    rep = reporting(users["municipal_officer"], tree.comm_a1, periods.parse(MONTH),
                    today=dt.date(2025, 3, 15))
    vol = next(r for r in rep.volunteers if r.name == "vol").tally
    assert (vol.households, vol.expected) == (2, 3)
    assert vol.recorded == 2 + 1  # BABY on the 3rd and the 10th (cap 2), OLDER once (cap 1)
    assert rep.until == dt.date(2025, 3, 15)


def test_a_month_not_started_expects_nothing(tree, users, fieldwork):
    rep = reporting(users["municipal_officer"], tree.muni_a1, periods.parse("202506"),
                    today=TODAY)
    assert rep.until is None and rep.total.expected == 0 and rep.volunteers == []
