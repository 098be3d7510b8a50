import copy

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from crecer.core.models import AuditEvent
from crecer.programmes import actions
from crecer.programmes.presets import load_presets, read_presets
from crecer.programmes.schema import validate_config


def _config():
    return copy.deepcopy(next(p for p in read_presets() if p["code"] == "juntos-cct")["config"])


def test_presets_are_valid_and_cover_the_seed_programmes():
    presets = read_presets()
    assert {p["kind"] for p in presets} == {"home_visits", "day_care", "infant_package",
                                            "cash_transfer", "volunteer_model"}
    for p in presets:
        assert validate_config(p["config"]) is p["config"]
    juntos = next(p for p in presets if p["code"] == "juntos-cct")["config"]
    codes = {c["code"] for c in juntos["coresponsibilities"]}
    assert {"VAC-ROTA", "VAC-PCV", "IRON-SUP", "PRENATAL", "CRED"} <= codes


def test_load_presets_is_repeatable_and_keeps_edits(db):
    first = load_presets()
    assert len(first) == 5
    saf = next(p for p in first if p.code == "cuna-mas-saf")
    saf.name = "Edited"
    saf.save()
    assert len(load_presets()) == 5
    saf.refresh_from_db()
    assert saf.name == "Edited"
    load_presets(overwrite=True)
    saf.refresh_from_db()
    assert saf.name != "Edited"


@pytest.mark.parametrize("mutate, path", [
    (lambda c: c["schedule"]["bands"][0].update(every_days=0), "schedule.bands[0].every_days"),
    (lambda c: c["schedule"]["bands"][0].pop("to_months"), "schedule.bands[0].to_months"),
    (lambda c: c["key_messages"][1].update(topic="astrology"), "key_messages[1].topic"),
    (lambda c: c["key_messages"][2].update(code=c["key_messages"][0]["code"]),
     "key_messages[2].code"),
    (lambda c: c["eligibility"].update(max_age_months=0), "eligibility.max_age_months"),
    (lambda c: c["eligibility"].update(areas=["moon"]), "eligibility.areas[0]"),
    (lambda c: c["coresponsibilities"][0].pop("doses"), "coresponsibilities[0]"),
    (lambda c: c.pop("deliverables"), "deliverables"),
    (lambda c: c["schedule"]["bands"].append({"from_months": 10, "to_months": 20,
                                              "every_days": 7}), "schedule.bands[1].from_months"),
])
def test_bad_config_is_rejected_naming_the_path(mutate, path):
    config = _config()
    mutate(config)
    with pytest.raises(ValidationError) as exc:
        validate_config(config)
    assert any(m.startswith(f"{path}:") for m in exc.value.messages), exc.value.messages


def test_unknown_schema_version_is_rejected():
    config = _config()
    config["schema_version"] = 99
    with pytest.raises(ValidationError, match="schema_version"):
        validate_config(config)


def test_update_programme_validates_and_audits(users):
    programme = next(p for p in load_presets() if p.code == "juntos-cct")
    config = _config()
    config["schedule"]["default_every_days"] = 15
    with pytest.raises(PermissionDenied):
        actions.update_programme(actor=users["municipal_officer"], programme=programme,
                                 data={"config": config})
    actions.update_programme(actor=users["admin"], programme=programme, data={"config": config})
    programme.refresh_from_db()
    assert programme.config["schedule"]["default_every_days"] == 15
    event = AuditEvent.objects.get(entity="programmes.programme", object_id=str(programme.pk))
    assert event.actor == users["admin"] and "config" in event.changes
    config["schedule"]["default_every_days"] = "soon"
    with pytest.raises(ValidationError):
        actions.update_programme(actor=users["admin"], programme=programme,
                                 data={"config": config})
    programme.refresh_from_db()
    assert programme.config["schedule"]["default_every_days"] == 15


def test_load_programmes_command(db, capsys):
    from django.core.management import call_command

    from crecer.programmes.models import Programme

    call_command("load_programmes")
    assert Programme.objects.count() == 5
    assert "juntos-cct" in capsys.readouterr().out
    call_command("load_programmes", "--overwrite")
    assert Programme.objects.count() == 5
