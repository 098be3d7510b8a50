from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError

from crecer.coresponsibility.rules import Member, applicable, parse_period

JUNTOS = json.loads((Path(__file__).parents[2] / "src/crecer/programmes/presets/juntos-cct.json")
                    .read_text())["config"]


def test_parse_period():
    assert parse_period("2026-02") == (dt.date(2026, 2, 1), dt.date(2026, 2, 28))
    for bad in ("2026-13", "26-01", "", "2026/01"):
        with pytest.raises(ValidationError):
            parse_period(bad)


def test_applicable_by_age_at_month_end_and_pregnancy():
    baby = Member(1, "Bebé", dt.date(2026, 5, 31), False)  # 4 months on 2026-09-30
    older = Member(2, "Mayor", dt.date(2023, 10, 1), False)  # 36 months on 2026-10-01: out
    mother = Member(3, "Madre", dt.date(1995, 1, 1), True)
    unborn = Member(4, "Nonato", dt.date(2026, 12, 1), False)
    got = {(c["code"], m.name) for c, m in
           applicable(JUNTOS, [baby, older, mother, unborn], dt.date(2026, 9, 30))}
    assert got == {("VAC-ROTA", "Bebé"), ("VAC-PCV", "Bebé"), ("IRON-SUP", "Bebé"),
                   ("CRED", "Bebé"), ("CRED", "Mayor"), ("IRON-SUP", "Mayor"),
                   ("PRENATAL", "Madre")}
    # On the last day of October the older child has completed 36 months.
    got = {(c["code"], m.name) for c, m in applicable(JUNTOS, [older], dt.date(2026, 10, 31))}
    assert got == set()
