import datetime as dt

import pytest

from crecer.programmes.presets import read_presets
from crecer.programmes.schedule import add_months, age_in_months, interval_days, next_due

D = dt.date


@pytest.mark.parametrize("birth, on, months", [
    (D(2023, 1, 31), D(2023, 2, 27), 0),
    (D(2023, 1, 31), D(2023, 2, 28), 1),   # last day of a shorter month completes the month
    (D(2024, 1, 31), D(2024, 2, 28), 0),   # leap year: 29 February does
    (D(2024, 1, 31), D(2024, 2, 29), 1),
    (D(2023, 1, 31), D(2023, 3, 30), 1),
    (D(2023, 1, 31), D(2023, 3, 31), 2),
    (D(2023, 12, 15), D(2024, 12, 14), 11),
    (D(2023, 12, 15), D(2024, 12, 15), 12),
    (D(2024, 5, 10), D(2024, 5, 9), -1),
])
def test_age_in_months_across_month_ends(birth, on, months):
    assert age_in_months(birth, on) == months


def test_add_months_clamps_to_month_end():
    assert add_months(D(2023, 8, 31), 6) == D(2024, 2, 29)
    assert add_months(D(2023, 11, 30), 3) == D(2024, 2, 29)
    assert add_months(D(2023, 12, 31), 1) == D(2024, 1, 31)


def _honduras():
    return next(p for p in read_presets() if p["code"] == "honduras-pi-volunteers")["config"]


def test_interval_changes_with_age_band():
    config = _honduras()  # weekly < 12 m, fortnightly 12-36 m, monthly 36-72 m and pregnancy
    assert interval_days(config, child_ages=[11], pregnant=False) == 7
    assert interval_days(config, child_ages=[12], pregnant=False) == 14
    assert interval_days(config, child_ages=[40], pregnant=False) == 30
    # the youngest child decides; pregnancy only shortens
    assert interval_days(config, child_ages=[40, 5], pregnant=False) == 7
    assert interval_days(config, child_ages=[40], pregnant=True) == 30
    assert interval_days(config, child_ages=[], pregnant=False) == 30  # the default


def test_due_dates_across_month_end_and_year_end():
    assert next_due(last_contact=D(2025, 1, 28), start=D(2025, 1, 1), every_days=7) == D(2025, 2, 4)
    assert next_due(last_contact=D(2024, 2, 20), start=D(2024, 1, 1), every_days=14) == D(2024, 3, 5)
    assert next_due(last_contact=D(2025, 12, 20), start=D(2025, 1, 1), every_days=30) == D(2026, 1, 19)
    assert next_due(last_contact=None, start=D(2025, 3, 31), every_days=7) == D(2025, 3, 31)
