"""Turnover and retention against a hand-computed fixture, and municipal teams trained."""

from __future__ import annotations

import datetime as dt

import pytest

from crecer.workforce import queries
from crecer.workforce.models import Completion, Worker

from .conftest import make_worker

D = dt.date
TODAY = D(2026, 3, 15)


@pytest.fixture
def history(tree):
    """2024 in Provincia A (A–G in La Ceiba, H in El Porvenir; I in Distrito Central, outside).

    start = active on 2023-12-31: A B C H (4) · joiners: D E (2) · leavers: B C E (3)
    end = active on 2024-12-31: A D H (3) · stayed: A H (2)
    turnover = 3 / ((4 + 3) / 2) = 6/7 · retention = 2/4
    """
    a1, a2, b1 = tree.comm_a1, tree.comm_a2, tree.comm_b1
    rows = {
        "A": (a1, D(2020, 1, 1), None),
        "B": (a1, D(2022, 5, 1), D(2024, 3, 10)),
        "C": (a1, D(2023, 12, 31), D(2024, 12, 31)),  # leaves on the last day: not at the end
        "D": (a1, D(2024, 1, 1), None),  # starts on the first day: a joiner, not at the start
        "E": (a1, D(2024, 6, 1), D(2024, 9, 1)),
        "F": (a1, D(2019, 1, 1), D(2023, 12, 31)),  # left the day before the year
        "G": (a1, D(2025, 2, 1), None),
        "H": (a2, D(2021, 1, 1), D(2025, 1, 1)),
        "I": (b1, D(2020, 1, 1), D(2024, 5, 5)),
    }
    return {name: make_worker(unit, given=name, start=start, leave=leave)
            for name, (unit, start, leave) in rows.items()}


def test_turnover_and_retention_by_hand(history, tree):
    t = queries.turnover(Worker.objects.filter(territory__path__startswith=tree.region_a.path),
                         D(2024, 1, 1), D(2024, 12, 31))
    assert (t.headcount_start, t.joiners, t.leavers, t.headcount_end, t.stayed) == (4, 2, 3, 3, 2)
    assert t.headcount_end == t.headcount_start + t.joiners - t.leavers
    assert t.turnover == pytest.approx(3 / 3.5)
    assert t.retention == pytest.approx(0.5)


def test_turnover_of_nobody_is_none(db):
    t = queries.turnover(Worker.objects.none(), D(2024, 1, 1), D(2024, 12, 31))
    assert t.turnover is None and t.retention is None


def test_turnover_table_per_child_territory(history, tree, users):
    rows = queries.turnover_table(users["admin"], tree.muni_a1.parent, [2023, 2024],
                                  today=TODAY)
    by_name = {r.unit.name if r.unit else "total": r.periods for r in rows}
    assert list(by_name) == ["El Porvenir", "La Ceiba", "total"]
    ceiba = by_name["La Ceiba"][1]
    assert (ceiba.headcount_start, ceiba.joiners, ceiba.leavers, ceiba.headcount_end,
            ceiba.stayed) == (3, 2, 3, 2, 1)
    assert ceiba.turnover == pytest.approx(3 / 2.5) and ceiba.retention == pytest.approx(1 / 3)
    porvenir = by_name["El Porvenir"][1]
    assert (porvenir.turnover, porvenir.retention) == (0, 1)
    total = by_name["total"][1]
    assert (total.headcount_start, total.leavers, total.headcount_end) == (4, 3, 3)
    # 2023: A B F H active at the start; F left on 2023-12-31; C joined on 2023-12-31
    y2023 = by_name["total"][0]
    assert (y2023.headcount_start, y2023.joiners, y2023.leavers, y2023.headcount_end) \
        == (4, 1, 1, 4)


def test_turnover_table_current_year_runs_to_today(history, tree, users):
    rows = queries.turnover_table(users["admin"], tree.country, [2025], today=D(2025, 3, 1))
    total = rows[-1].periods[0]
    assert total.end == D(2025, 3, 1)
    assert total.leavers == 1  # H on 2025-01-01
    assert total.joiners == 1  # G on 2025-02-01


def test_turnover_table_is_limited_to_the_users_territories(history, tree, users):
    """The municipal officer of La Ceiba asking about the province sees La Ceiba only."""
    rows = queries.turnover_table(users["municipal_officer"], tree.muni_a1.parent, [2024],
                                  today=TODAY)
    assert [r.unit.name if r.unit else None for r in rows] == ["La Ceiba", None]
    assert rows[-1].periods[0].headcount_start == 3


def test_turnover_table_filters_by_kind(history, tree, users):
    make_worker(tree.comm_a1, "municipal_staff", start=D(2020, 1, 1), leave=D(2024, 2, 2))
    rows = queries.turnover_table(users["admin"], tree.country, [2024], "municipal_staff",
                                  today=TODAY)
    assert (rows[-1].periods[0].headcount_start, rows[-1].periods[0].leavers) == (1, 1)


def test_turnover_table_query_count(history, tree, users, django_assert_max_num_queries):
    admin = users["admin"]
    list(admin.territories.all())
    with django_assert_max_num_queries(5):
        queries.turnover_table(admin, tree.country, [2023, 2024, 2025], today=TODAY)


def test_municipal_teams_trained_in_the_whole_curriculum(tree, users, curriculum):
    """La Ceiba: 2 active staff, 1 completed (plus one who left: not counted); El Porvenir:
    1 of 1; Distrito Central: none. So 1 of 2 teams trained, 2 of 3 members."""
    done = make_worker(tree.muni_a1, "municipal_staff", "Done", start=D(2020, 1, 1))
    make_worker(tree.muni_a1, "municipal_staff", "Pending", start=D(2020, 1, 1))
    gone = make_worker(tree.muni_a1, "municipal_staff", "Gone", start=D(2020, 1, 1),
                       leave=D(2024, 1, 1))
    porvenir = make_worker(tree.muni_a2, "municipal_staff", "Porvenir", start=D(2020, 1, 1))
    make_worker(tree.muni_a1, "volunteer", "NotStaff", start=D(2020, 1, 1))
    for w in (done, gone, porvenir):
        Completion.objects.create(worker=w, curriculum=curriculum.curriculum,
                                  completed_on=D(2023, 6, 1))
    summary = queries.municipal_teams(users["admin"], tree.country, on=TODAY)
    rows = {r.municipality.name: (r.members, r.trained, r.team_trained) for r in summary.rows}
    assert rows == {"La Ceiba": (2, 1, False), "El Porvenir": (1, 1, True),
                    "Distrito Central": (0, 0, False)}
    assert (summary.teams, summary.teams_trained, summary.share_of_teams) == (2, 1, 0.5)
    assert summary.share_of_members == pytest.approx(2 / 3)
    # before the completions, nobody was trained
    early = queries.municipal_teams(users["admin"], tree.country, on=D(2023, 1, 1))
    assert early.trained == 0
    # the municipal officer of La Ceiba sees her team only
    own = queries.municipal_teams(users["municipal_officer"], tree.country, on=TODAY)
    assert [r.municipality.name for r in own.rows] == ["La Ceiba"]
