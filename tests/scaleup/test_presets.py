"""The shipped phase models load (idempotently, audited), and a wrong criterion is refused with
a message naming the file, the phase and the criterion, with nothing saved."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from crecer.core.models import AuditEvent
from crecer.scaleup.models import GateCriterion, Phase, PhaseModel
from crecer.scaleup.presets import PRESETS_DIR, ModelError, load_models, read_models

HONDURAS_FILE = PRESETS_DIR / "honduras_pi.toml"


def test_presets_load_the_two_models_of_the_seeds(db):
    report = load_models()
    assert sorted(report.created) == ["honduras-pi", "mas-bienestar"]
    hn = PhaseModel.objects.get(code="honduras-pi")
    assert hn.levels == ["municipality"] and hn.origin == "preset"
    phases = list(hn.phases.order_by("position"))
    assert [p.code for p in phases] == ["consolidacion", "expansion", "institucionalizacion"]
    assert [p.government_share for p in phases] == [50, 70, 90]
    gate = {(c.indicator, c.comparison, c.threshold) for c in phases[0].criteria.all()}
    assert gate == {("hn-caregiver-registry", ">=", 80), ("hn-cost-per-beneficiary", "<=", 475),
                    ("hn-government-cost-share", ">=", 50),
                    ("hn-municipal-teams-trained", ">=", 100)}
    assert ("hn-workshops-local-staff", ">=", 60) in {
        (c.indicator, c.comparison, c.threshold) for c in phases[1].criteria.all()}
    assert ("hn-parenting-scale-gain", ">=", 25) in {
        (c.indicator, c.comparison, c.threshold) for c in phases[2].criteria.all()}
    assert "Registro nominal de cuidadores ≥ 80 %" in phases[0].milestones
    mas = PhaseModel.objects.get(code="mas-bienestar")
    calendar = [(p.code, p.ends_month_min, p.ends_month_max)
                for p in mas.phases.order_by("position")]
    assert calendar == [("planeacion-arranque", 2, 3), ("operacion-continuidad", 12, 12),
                        ("consolidacion-evaluacion", 24, 24)]
    assert AuditEvent.objects.filter(entity="scaleup.phasemodel", note="preset").count() == 2
    # Idempotent: a second load changes nothing.
    again = load_models()
    assert again.created == [] and again.updated == []
    assert sorted(again.unchanged) == ["honduras-pi", "mas-bienestar"]
    assert GateCriterion.objects.filter(phase__model=hn).count() == 10


def _variant(tmp_path, old: str, new: str, name: str = "honduras_pi.toml"):
    text = HONDURAS_FILE.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / name
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def test_unknown_indicator_is_refused_naming_file_phase_and_criterion(db, tmp_path):
    bad = _variant(tmp_path, 'indicator = "hn-workshops-local-staff"',
                   'indicator = "hn-talleres-inventado"')
    with pytest.raises(ModelError) as exc:
        load_models(bad)
    (message,) = exc.value.errors
    assert message.startswith("honduras_pi.toml: phase 2 (expansion): criterion 1 "
                              "(hn-talleres-inventado): indicator:")
    assert "not an indicator of the catalogue" in message
    assert not PhaseModel.objects.exists() and not Phase.objects.exists()


def test_a_bad_file_in_a_folder_saves_nothing_of_the_good_ones(db, tmp_path):
    (tmp_path / "mas.toml").write_bytes((PRESETS_DIR / "mas_bienestar.toml").read_bytes())
    _variant(tmp_path, 'comparison = "<="', 'comparison = "=<"')
    with pytest.raises(ModelError) as exc:
        load_models(tmp_path)
    assert any("phase 1 (consolidacion): criterion 2 (hn-cost-per-beneficiary): comparison: "
               "'=<' is not a comparison" in e for e in exc.value.errors)
    assert not PhaseModel.objects.exists()
    assert not AuditEvent.objects.filter(entity="scaleup.phasemodel").exists()


def test_other_mistakes_are_named_too(db, tmp_path):
    path = tmp_path / "broken.toml"
    path.write_text('[model]\ncode = "x"\nname = "X"\nlevels = []\n\n[[phase]]\ncode = "A b"\n'
                    'name = "Uno"\ngovernment_share = 140\n\n[[phase.criterion]]\n'
                    'indicator = "hn-caregiver-registry"\ncomparison = ">="\n', encoding="utf-8")
    with pytest.raises(ModelError) as exc:
        read_models(path)
    text = "\n".join(exc.value.errors)
    assert "broken.toml: [model]: levels: required" in text
    assert "broken.toml: phase 1 (A b): code: required; lower-case letters" in text
    assert "government_share: a number from 0 to 100" in text
    assert "criterion 1 (hn-caregiver-registry): threshold: required, a number" in text


def test_command_loads_and_refuses(db, tmp_path, capsys):
    bad = _variant(tmp_path, 'indicator = "hn-parenting-scale-gain"', 'indicator = "nope"')
    with pytest.raises(CommandError) as exc:
        call_command("scaleup", "load-models", "--path", str(bad))
    assert "phase 3 (institucionalizacion): criterion 3 (nope): indicator" in str(exc.value)
    assert not PhaseModel.objects.exists()
    call_command("scaleup", "load-models")
    assert "2 files: 2 created" in capsys.readouterr().out


def test_reload_updates_thresholds_and_keeps_admin_edits(db, tmp_path):
    load_models()
    changed = _variant(tmp_path, "threshold = 475", "threshold = 450")
    report = load_models(changed)
    assert report.updated == ["honduras-pi"]
    assert GateCriterion.objects.filter(indicator="hn-cost-per-beneficiary",
                                        phase__code="consolidacion").get().threshold == 450
    PhaseModel.objects.filter(code="honduras-pi").update(origin="admin")
    assert load_models().kept == ["honduras-pi"]
    assert GateCriterion.objects.filter(indicator="hn-cost-per-beneficiary",
                                        phase__code="consolidacion").get().threshold == 450
    assert load_models(overwrite=True).updated == ["honduras-pi"]
    assert GateCriterion.objects.filter(indicator="hn-cost-per-beneficiary",
                                        phase__code="consolidacion").get().threshold == 475


def test_a_phase_territories_are_in_cannot_disappear(tree, tmp_path):
    import datetime as dt

    from crecer.scaleup.models import TerritoryPhase

    load_models()
    hn = PhaseModel.objects.get(code="honduras-pi")
    TerritoryPhase.objects.create(unit=tree.muni_a1, model=hn, since=dt.date(2025, 1, 1),
                                  phase=hn.phases.get(code="institucionalizacion"))
    text = HONDURAS_FILE.read_text(encoding="utf-8")
    cut = text[:text.index('[[phase]]\ncode = "institucionalizacion"')]
    path = tmp_path / "honduras_pi.toml"
    path.write_text(cut, encoding="utf-8")
    with pytest.raises(ModelError, match="institucionalizacion.*cannot be removed"):
        load_models(path)
    assert hn.phases.count() == 3


def test_admin_validation_of_a_criterion(db):
    load_models()
    phase = Phase.objects.get(code="consolidacion")
    with pytest.raises(ValidationError) as exc:
        GateCriterion(phase=phase, indicator="made-up", comparison="~", threshold=1).full_clean()
    assert set(exc.value.message_dict) == {"indicator", "comparison"}
    GateCriterion(phase=phase, indicator="hn-ecd-budget-share", comparison=">=",
                  threshold=5).full_clean()
