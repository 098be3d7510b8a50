"""Saving indicators (permission, expression check before save, disaggregations, audit,
refresh queued) and targets (set one, import a CSV all or nothing)."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from crecer.core.models import AuditEvent
from crecer.indicators import actions
from crecer.indicators.models import Indicator, Target


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def queued(monkeypatch):
    """Calls of the engine's refresh scheduler."""
    from crecer.indicators import tasks

    calls = []
    monkeypatch.setattr(tasks, "schedule_refresh", lambda: calls.append(1))
    return calls


def data(**over):
    base = {"code": "children-registered", "name": "Niñas y niños registrados",
            "name_en": "Children registered", "definition": "Niñas y niños en el registro.",
            "numerator": 'count(persons where child and age_band in ("0-11m", "12-23m"))',
            "results_chain": "output", "disaggregations": ["sex", "area"], "factor": 1,
            "unit": "personas"}
    return {**base, **over}


def test_the_me_officer_saves_an_indicator_audited_and_refresh_queued(users, queued):
    officer = users["data_officer"]
    ind = actions.save_indicator(actor=officer, data=data())
    assert (ind.origin, ind.updated_by, ind.disaggregations) == ("ui", officer, ["sex", "area"])
    assert ind.label() == "Children registered"
    with translation.override("es"):
        assert ind.label() == "Niñas y niños registrados"
    event = AuditEvent.objects.get(entity="indicators.indicator", object_id=str(ind.pk))
    assert (event.action, event.actor) == ("create", officer)
    assert queued == [1]
    ind = actions.save_indicator(actor=officer, indicator=ind, data={"unit": "niños"})
    assert Indicator.objects.get(pk=ind.pk).unit == "niños"
    update = AuditEvent.objects.filter(entity="indicators.indicator", action="update").get()
    assert update.changes["unit"] == ["personas", "niños"]
    assert queued == [1, 1]
    actions.save_indicator(actor=officer, indicator=ind, data={"unit": "niños"})  # no change
    assert AuditEvent.objects.filter(entity="indicators.indicator").count() == 2


@pytest.mark.parametrize("role", ["volunteer", "facilitator", "municipal_officer",
                                  "regional_manager", "national_manager"])
def test_only_the_me_officer_and_admin_may_save(users, role):
    with pytest.raises(PermissionDenied):
        actions.save_indicator(actor=users[role], data=data())
    assert not Indicator.objects.exists()


@pytest.mark.parametrize("field,text,where,why", [
    ("numerator", "count(persons where sexo = 'F')", "line 1, column 21",
     "'sexo' is not a field of persons"),
    ("numerator", "count(persons where child", "", "the expression ends too early"),
    ("numerator", "count(persons)\n  / sum(population.valor)", "line 2, column 5",
     "sum needs a numeric field of population"),
    ("denominator", "count(households where poverty_level = 'rich')", "line 1, column 24",
     "'rich' is not a value of households.poverty_level"),
    ("numerator", "sum(aggregate.value where element = 'nothing')", "line 1, column 27",
     "'nothing' is not a value of aggregate.element"),
], ids=["unknown-field", "ends-early", "second-line", "unknown-code", "unknown-element"])
def test_a_malformed_formula_is_refused_before_saving(users, queued, field, text, where,
                                                         why):
    with pytest.raises(ValidationError) as exc:
        actions.save_indicator(actor=users["data_officer"], data=data(**{field: text}))
    [message] = exc.value.message_dict[field]
    label = "Numerator" if field == "numerator" else "Denominator"
    assert message.startswith(f"{label}, {where}: " if where else f"{label}: ")
    assert why in message
    assert not Indicator.objects.exists() and not queued
    assert not AuditEvent.objects.filter(entity="indicators.indicator").exists()


def test_a_disaggregation_the_numerator_cannot_give_is_refused(users):
    with pytest.raises(ValidationError) as exc:
        actions.save_indicator(actor=users["data_officer"], data=data(
            numerator='sum(deliveries.quantity where item_kind = "kit")',
            disaggregations=["sex", "area"]))
    assert exc.value.message_dict["disaggregations"] == [
        "The numerator cannot be split by sex (its sources support: area, programme)."]
    assert not Indicator.objects.exists()


def test_other_rules(users):
    officer = users["data_officer"]
    with pytest.raises(ValidationError) as exc:
        actions.save_indicator(actor=officer, data=data(
            code="new", direction="lower", green_at=100, yellow_at=80, factor=0,
            field_level=True))
    errors = exc.value.message_dict
    assert "reserved" in errors["code"][0]
    assert "yellow threshold (80 % of the target) must be at or above the green one" \
        in errors["yellow_at"][0]
    assert errors["factor"] == ["The factor cannot be 0."]
    assert "this one uses persons" in errors["field_level"][0]
    ind = actions.save_indicator(actor=officer, data=data())
    with pytest.raises(ValidationError) as exc:
        actions.save_indicator(actor=officer, data=data())
    assert "already exists" in exc.value.message_dict["code"][0]
    with pytest.raises(ValidationError) as exc:
        actions.save_indicator(actor=officer, indicator=ind, data={"code": "renamed"})
    assert "cannot change" in exc.value.message_dict["code"][0]


# ---- targets --------------------------------------------------------------------------------

@pytest.fixture
def indicators(users):
    officer = users["data_officer"]
    return {
        "coverage": actions.save_indicator(actor=officer, data=data(
            code="coverage", numerator="count(persons where child)",
            denominator="sum(population.value)", factor=100, unit="%")),
        "budget": actions.save_indicator(actor=officer, data=data(
            code="budget", numerator='sum(aggregate.value where element = "budget_ecd")',
            disaggregations=[], periodicity="year", direction="lower", yellow_at=120)),
    }


def upload(text: str, name="targets.csv"):
    return SimpleUploadedFile(name, text.encode("utf-8"))


def test_set_target_creates_then_changes_audited(users, tree, indicators):
    officer = users["data_officer"]
    t = actions.set_target(actor=officer, indicator=indicators["coverage"], unit=tree.muni_a1,
                           period="2026", value="80")
    assert (t.value, t.period) == (80.0, "2026")
    actions.set_target(actor=officer, indicator=indicators["coverage"], unit=tree.muni_a1,
                       period="2026", value=85)
    assert Target.objects.get().value == 85
    events = AuditEvent.objects.filter(entity="indicators.target").order_by("id")
    assert [e.action for e in events] == ["create", "update"]
    assert events[0].territory_path == tree.muni_a1.path
    with pytest.raises(ValidationError) as exc:
        actions.set_target(actor=officer, indicator=indicators["budget"], unit=tree.muni_a1,
                           period="202603", value=1)
    assert "computed per year" in exc.value.message_dict["period"][0]
    with pytest.raises(PermissionDenied):
        actions.set_target(actor=users["national_manager"], indicator=indicators["coverage"],
                           unit=tree.muni_a1, period="2026", value=1)


def test_import_targets_csv(users, tree, indicators):
    counts = actions.import_targets_csv(actor=users["data_officer"], file=upload(
        "indicator;unit_code;period;value\r\n"
        "coverage;HN;2026;80\r\n"
        "coverage;HN-0101;2026Q1;72,5\r\n"
        "\r\n"
        "budget;HN-0101;2026;1500\r\n"))
    assert counts == {"created": 3, "updated": 0, "unchanged": 0}
    assert Target.objects.get(unit=tree.muni_a1, period="2026Q1").value == 72.5
    assert AuditEvent.objects.filter(entity="indicators.target", note="csv").count() == 3
    counts = actions.import_targets_csv(actor=users["admin"], file=upload(
        "\ufeffindicator,unit_code,period,value\ncoverage,HN,2026,80\nbudget,HN-0101,2026,1400\n"))
    assert counts == {"created": 0, "updated": 1, "unchanged": 1}


def test_a_csv_with_bad_rows_reports_each_and_saves_nothing(users, tree, indicators, make_user):
    regional = make_user("me_region", "data_officer", tree.region_a)
    text = ("indicator,unit_code,period,value\n"
            "coverage,HN-0101,2026,80\n"          # row 2: fine
            "nope,HN-0101,2026,80\n"              # row 3: unknown indicator
            "coverage,XX-9,2026,80\n"             # row 4: unknown territory
            "coverage,HN-0101,2026-01,80\n"       # row 5: bad period
            "coverage,HN-0101,2026Q2,ochenta\n"   # row 6: bad value
            "budget,HN-0101,2026Q1,10\n"          # row 7: finer than the periodicity
            "coverage,HN-0101,2026,81\n"          # row 8: same as row 2
            "coverage,HN-0801,2026,80\n"          # row 9: outside her territories
            "coverage,HN-0101-CS1,2026,80\n")     # row 10: a service point
    with pytest.raises(ValidationError) as exc:
        actions.import_targets_csv(actor=regional, file=upload(text))
    assert exc.value.messages == [
        "Row 3, indicator: no indicator has the code 'nope'.",
        "Row 4, unit_code: no territory has the code 'XX-9'.",
        "Row 5, period: '2026-01' is not a period (use 202603, 2026Q1, 2026S1 or 2026).",
        "Row 6, value: 'ochenta' is not a number.",
        "Row 7, period: budget is computed per year: give a year period, not 2026Q1.",
        "Row 8, period: the same indicator, territory and period as row 2.",
        "Row 9, unit_code: HN-0801 is outside your territories.",
        "Row 10, unit_code: HN-0101-CS1 is a service point; targets are set for territories.",
    ]
    assert not Target.objects.exists()
    assert not AuditEvent.objects.filter(entity="indicators.target").exists()


@pytest.mark.parametrize("text,message", [
    ("", "The file is empty."),
    ("indicator,unit,value\ncoverage,HN,1\n", "Row 1: the columns unit_code, period are "
                                                "missing"),
    ("indicator,unit_code,period,value\n", "The file has no rows under the header."),
])
def test_a_csv_of_the_wrong_shape(users, indicators, text, message):
    with pytest.raises(ValidationError) as exc:
        actions.import_targets_csv(actor=users["data_officer"], file=upload(text))
    assert exc.value.messages[0].startswith(message)


def test_not_utf8_and_permission(users, indicators):
    with pytest.raises(ValidationError) as exc:
        actions.import_targets_csv(actor=users["data_officer"], file=SimpleUploadedFile(
            "t.csv", "indicator,unit_code,period,value\ncoverage,HN,2026,80 ñ\n".encode(
                "latin-1")))
    assert "UTF-8" in exc.value.messages[0]
    with pytest.raises(PermissionDenied):
        actions.import_targets_csv(actor=users["municipal_officer"],
                                   file=upload("indicator,unit_code,period,value\n"))


def test_command_imports_targets(users, indicators, tmp_path):
    from django.core.management import CommandError, call_command

    path = tmp_path / "t.csv"
    path.write_text("indicator,unit_code,period,value\ncoverage,HN,2026,80\n", encoding="utf-8")
    call_command("indicators", "import-targets", str(path), "--user", "data")
    assert Target.objects.get().value == 80
    path.write_text("indicator,unit_code,period,value\ncoverage,HN,2026,x\n", encoding="utf-8")
    with pytest.raises(CommandError, match="Row 2, value"):
        call_command("indicators", "import-targets", str(path), "--user", "data")
    with pytest.raises(CommandError, match="may not manage"):
        call_command("indicators", "import-targets", str(path), "--user", "vol")
