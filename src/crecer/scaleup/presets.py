"""The shipped phase models (`data/*.toml`, one model per file) and loading them.

    read_models(path=None)                 every model of the files, checked
    load_models(path=None, overwrite=False) upsert them (all or nothing); LoadReport
    known_indicators()                     the indicator codes a criterion may name

A file:

    [model]
    code = "honduras-pi"          # required; never changes
    name = "…"                    # required (Spanish); name_en, description, description_en
    levels = ["municipality"]     # required: level codes of the territories that go through it
    source = "seeds/001 …"

    [[phase]]                     # in order; at least one
    code = "consolidacion"        # required, unique in the model
    name = "Consolidación"        # required; name_en, description(_en), coverage
    government_share = 50         # % of the costs the government assumes in the phase
    ends_month_min = 2            # calendar from the territory's start of the model (optional)
    ends_month_max = 3
    milestones = ["…"]            # texts; milestones_en

    [[phase.criterion]]           # the phase's exit gate
    indicator = "hn-caregiver-registry"   # an indicator of the catalogue
    comparison = ">="             # >=, <=, >, <, =
    threshold = 80
    note = "…"                    # optional; note_en

One wrong criterion (unknown indicator, bad comparison, missing threshold…) and nothing is
saved: `ModelError.errors` names the file, the phase and the criterion of every problem.
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import transaction
from django.db.models import F

from crecer.core import audit
from crecer.core.models import AuditAction

from .models import Comparison, GateCriterion, Phase, PhaseModel, TerritoryPhase

PRESETS_DIR = Path(__file__).resolve().parent / "data"

MODEL_KEYS = {"code", "name", "name_en", "description", "description_en", "levels", "source"}
PHASE_KEYS = {"code", "name", "name_en", "description", "description_en", "coverage",
              "government_share", "ends_month_min", "ends_month_max", "milestones",
              "milestones_en", "criterion"}
CRITERION_KEYS = {"indicator", "comparison", "threshold", "note", "note_en"}


class ModelError(ValueError):
    """A model file is wrong; `errors` lists every problem ('file: phase …: criterion …: …')."""

    def __init__(self, errors: list[str]):
        self.errors = errors
        super().__init__("\n".join(errors))


def known_indicators() -> set[str]:
    """Codes of the indicators in the database and of the shipped catalogue files (so that the
    presets load on an empty database, before `crecer indicators load-catalogue`)."""
    from crecer.indicators.models import Indicator

    return set(Indicator.objects.values_list("code", flat=True)) | _catalogue_codes()


def _catalogue_codes() -> set[str]:
    from crecer.indicators.catalogue import CATALOGUE_DIR

    codes: set[str] = set()
    for file in sorted(CATALOGUE_DIR.glob("*.toml")):
        try:
            with file.open("rb") as fh:
                data = tomllib.load(fh)
        except (OSError, tomllib.TOMLDecodeError):  # pragma: no cover - shipped files
            continue
        codes |= {str(i.get("code")) for i in data.get("indicator", []) if i.get("code")}
    return codes


# --- reading and checking -------------------------------------------------------------------

def _slug(value: Any) -> bool:
    return isinstance(value, str) and 0 < len(value) <= 64 and all(
        c.isascii() and (c.islower() or c.isdigit() or c in "-_") for c in value)


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


def _texts(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(x, str) for x in value)


def _check_criterion(raw: Any, where: str, known: set[str], err) -> dict | None:
    if not isinstance(raw, dict):
        err(f"{where}: must be a table ([[phase.criterion]])")
        return None
    code = raw.get("indicator")
    where = f"{where} ({code})" if isinstance(code, str) and code else where
    ok = True
    extra = sorted(set(raw) - CRITERION_KEYS)
    if extra:
        err(f"{where}: unknown keys {extra}")
        ok = False
    if not isinstance(code, str) or not code:
        err(f"{where}: indicator: required")
        ok = False
    elif code not in known:
        err(f"{where}: indicator: '{code}' is not an indicator of the catalogue")
        ok = False
    comparison = raw.get("comparison")
    if comparison not in Comparison.values:
        err(f"{where}: comparison: '{comparison}' is not a comparison; use one of "
            f"{', '.join(Comparison.values)}")
        ok = False
    threshold = _number(raw.get("threshold"))
    if threshold is None:
        err(f"{where}: threshold: required, a number")
        ok = False
    for name in ("note", "note_en"):
        if not isinstance(raw.get(name, ""), str) or len(raw.get(name, "")) > 255:
            err(f"{where}: {name}: text of at most 255 characters")
            ok = False
    if not ok:
        return None
    return {"indicator": code, "comparison": comparison, "threshold": threshold,
            "note": raw.get("note", ""), "note_en": raw.get("note_en", "")}


def _check_phase(raw: Any, where: str, known: set[str], err) -> dict | None:
    if not isinstance(raw, dict):
        err(f"{where}: must be a table ([[phase]])")
        return None
    code = raw.get("code")
    where = f"{where} ({code})" if isinstance(code, str) and code else where
    ok = True
    extra = sorted(set(raw) - PHASE_KEYS)
    if extra:
        err(f"{where}: unknown keys {extra}")
        ok = False
    if not _slug(code):
        err(f"{where}: code: required; lower-case letters, digits, '-' and '_'")
        ok = False
    if not isinstance(raw.get("name"), str) or not raw.get("name", "").strip():
        err(f"{where}: name: required")
        ok = False
    for name in ("name_en", "description", "description_en", "coverage"):
        if not isinstance(raw.get(name, ""), str):
            err(f"{where}: {name}: must be text")
            ok = False
    share = raw.get("government_share")
    if share is not None and (_number(share) is None or not 0 <= share <= 100):
        err(f"{where}: government_share: a number from 0 to 100")
        ok = False
    months = {}
    for name in ("ends_month_min", "ends_month_max"):
        value = raw.get(name)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)
                                  or not 0 < value <= 600):
            err(f"{where}: {name}: a whole number of months (1 to 600)")
            ok = False
        months[name] = value
    if isinstance(months["ends_month_min"], int) and isinstance(months["ends_month_max"], int) \
            and months["ends_month_min"] > months["ends_month_max"]:
        err(f"{where}: ends_month_max: before ends_month_min")
        ok = False
    for name in ("milestones", "milestones_en"):
        if not _texts(raw.get(name, [])):
            err(f"{where}: {name}: a list of texts")
            ok = False
    criteria = raw.get("criterion", [])
    if not isinstance(criteria, list):
        err(f"{where}: criterion: use [[phase.criterion]] tables")
        criteria, ok = [], False
    checked = [_check_criterion(c, f"{where}: criterion {n}", known, err)
               for n, c in enumerate(criteria, start=1)]
    if not ok or any(c is None for c in checked):
        return None
    out = {k: raw.get(k, "") for k in ("code", "name", "name_en", "description",
                                        "description_en", "coverage")}
    out.update(government_share=None if share is None else float(share), **months,
               milestones=list(raw.get("milestones", [])),
               milestones_en=list(raw.get("milestones_en", [])), criteria=checked)
    return out


def _check_file(file: Path, known: set[str], err) -> dict | None:
    try:
        with file.open("rb") as fh:
            data = tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        err(f"{file.name}: {exc}")
        return None
    extra = sorted(set(data) - {"model", "phase"})
    ok = True
    if extra:
        err(f"{file.name}: unknown tables or keys {extra} (use [model] and [[phase]])")
        ok = False
    model = data.get("model")
    if not isinstance(model, dict):
        err(f"{file.name}: [model]: required")
        return None
    extra = sorted(set(model) - MODEL_KEYS)
    if extra:
        err(f"{file.name}: [model]: unknown keys {extra}")
        ok = False
    if not _slug(model.get("code")):
        err(f"{file.name}: [model]: code: required; lower-case letters, digits, '-' and '_'")
        ok = False
    if not isinstance(model.get("name"), str) or not model.get("name", "").strip():
        err(f"{file.name}: [model]: name: required")
        ok = False
    levels = model.get("levels")
    if not _texts(levels) or not levels:
        err(f"{file.name}: [model]: levels: required, a list of level codes")
        ok = False
    for name in ("name_en", "description", "description_en", "source"):
        if not isinstance(model.get(name, ""), str):
            err(f"{file.name}: [model]: {name}: must be text")
            ok = False
    phases = data.get("phase", [])
    if not isinstance(phases, list) or not phases:
        err(f"{file.name}: [[phase]]: at least one phase is required")
        phases, ok = [], False
    checked = [_check_phase(p, f"{file.name}: phase {n}", known, err)
               for n, p in enumerate(phases, start=1)]
    codes = [p["code"] for p in checked if p]
    for code in sorted({c for c in codes if codes.count(c) > 1}):
        err(f"{file.name}: phase ({code}): code: used by more than one phase")
        ok = False
    if not ok or any(p is None for p in checked):
        return None
    out = {k: model.get(k, "") for k in MODEL_KEYS - {"levels"}}
    out.update(levels=list(levels), phases=checked, _file=file.name)
    return out


def read_models(path: Path | str | None = None) -> list[dict]:
    """Every model of the file `path` (or of every file of the folder, by default the shipped
    one), checked. Raises ModelError listing every problem."""
    path = Path(path) if path is not None else PRESETS_DIR
    files = sorted(path.glob("*.toml")) if path.is_dir() else [path]
    errors: list[str] = []
    known = known_indicators()
    out, seen = [], {}
    for file in files:
        if not file.exists():
            errors.append(f"{file.name}: no such file")
            continue
        model = _check_file(file, known, errors.append)
        if model is None:
            continue
        if model["code"] in seen:
            errors.append(f"{file.name}: [model]: code: '{model['code']}' is already defined "
                          f"in {seen[model['code']]}")
            continue
        seen[model["code"]] = file.name
        out.append(model)
    if errors:
        raise ModelError(errors)
    return out


# --- loading ----------------------------------------------------------------------------------

@dataclass
class LoadReport:
    files: list[str] = field(default_factory=list)
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)  # edited in the admin: left as they are

    def __str__(self) -> str:
        return (f"{len(self.files)} files: {len(self.created)} created, {len(self.updated)} "
                f"updated, {len(self.unchanged)} unchanged, {len(self.kept)} kept "
                f"(edited in the admin)")


PHASE_FIELDS = ("name", "name_en", "description", "description_en", "coverage",
                "government_share", "ends_month_min", "ends_month_max", "milestones",
                "milestones_en")


def _phase_state(phase: Phase) -> dict:
    state = {k: getattr(phase, k) for k in ("code", *PHASE_FIELDS)}
    state["criteria"] = [
        {"indicator": c.indicator, "comparison": c.comparison, "threshold": c.threshold,
         "note": c.note, "note_en": c.note_en} for c in phase.criteria.all()]
    return state


def _model_state(model: PhaseModel) -> dict:
    state = {k: getattr(model, k) for k in MODEL_KEYS}
    state["phases"] = [_phase_state(p) for p in model.phases.all()]
    return state


def _wanted_state(d: dict) -> dict:
    state = {k: d[k] for k in MODEL_KEYS}
    state["phases"] = [{k: p[k] for k in ("code", *PHASE_FIELDS, "criteria")}
                       for p in d["phases"]]
    return state


def load_models(path: Path | str | None = None, *, overwrite: bool = False) -> LoadReport:
    """Create or update the models of the files (origin "preset"), all or nothing: every file
    is checked first (ModelError), and a phase that territories are in cannot disappear.
    A model edited in the admin (origin "admin") is kept unless `overwrite`. Idempotent;
    changes are audited (actor "system")."""
    definitions = read_models(path)
    report = LoadReport(files=sorted(d["_file"] for d in definitions))
    with transaction.atomic():
        errors: list[str] = []
        for position, d in enumerate(definitions, start=1):
            model = PhaseModel.objects.filter(code=d["code"]).first()
            if model is not None and model.origin != "preset" and not overwrite:
                report.kept.append(model.code)
                continue
            before = _model_state(model) if model is not None else {}
            wanted = _wanted_state(d)
            if before == wanted and model is not None and model.origin == "preset":
                report.unchanged.append(model.code)
                continue
            model = _save_model(model, d, position, errors)
            if model is None:
                continue
            changes = audit.diff({k: str(v) for k, v in before.items()},
                                 {k: str(v) for k, v in wanted.items()})
            audit.record(actor=None, action=AuditAction.UPDATE if before else AuditAction.CREATE,
                         obj=model, changes=changes, note="preset")
            (report.updated if before else report.created).append(model.code)
        if errors:
            raise ModelError(errors)  # rolls the whole load back
    return report


def _save_model(model: PhaseModel | None, d: dict, position: int,
                errors: list[str]) -> PhaseModel | None:
    values = {k: d[k] for k in MODEL_KEYS if k != "code"}
    if model is None:
        model = PhaseModel.objects.create(code=d["code"], position=position, origin="preset",
                                          **values)
    else:
        for k, v in values.items():
            setattr(model, k, v)
        model.origin = "preset"
        model.save()
    existing = {p.code: p for p in model.phases.all()}
    gone = [p for code, p in existing.items() if code not in {x["code"] for x in d["phases"]}]
    for phase in gone:
        used = TerritoryPhase.objects.filter(phase=phase).count()
        if used:
            errors.append(f"{d['_file']}: phase ({phase.code}): {used} territories have been "
                          "in this phase; it cannot be removed")
            return None
        phase.delete()
    # Free the positions first (unique per model), then write them in the file's order.
    Phase.objects.filter(model=model).update(position=F("position") + 1000)
    for n, p in enumerate(d["phases"], start=1):
        phase = existing.get(p["code"]) or Phase(model=model, code=p["code"])
        phase.position = n
        for k in PHASE_FIELDS:
            setattr(phase, k, p[k])
        phase.save()
        phase.criteria.all().delete()
        GateCriterion.objects.bulk_create([
            GateCriterion(phase=phase, position=i, **c)
            for i, c in enumerate(p["criteria"], start=1)])
    return model
