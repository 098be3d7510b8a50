"""The indicator catalogue: what a definition may hold, the codes expressions may name, and the
shipped TOML files (`data/catalogue/*.toml`, see the app's README).

    load_catalogue()          upsert the shipped files (origin "catalogue"); all or nothing
    export_catalogue([...])   indicators back as TOML text, to keep UI-made ones under version
                              control (the output loads with `load_catalogue(path)`)
    clean_definition(data)    check one definition (expressions included); ValidationError
                              keyed by field
    known_codes()             the `known(source, field)` callback of `expression.check`
"""

from __future__ import annotations

import json
import math
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from crecer.core import audit
from crecer.core.models import AuditAction

from . import expression
from .models import Direction, Indicator, Periodicity, ResultsChain
from .sources import DIMENSIONS

CATALOGUE_DIR = Path(__file__).resolve().parent / "data" / "catalogue"

# Fields of a definition, in the order of the reference sheet (and of the exported TOML).
FIELDS = ("code", "name", "name_en", "short_name", "definition", "definition_en", "numerator",
          "numerator_label", "denominator", "denominator_label", "factor", "unit", "decimals",
          "periodicity", "disaggregations", "results_chain", "programme_group", "data_source",
          "responsible", "direction", "green_at", "yellow_at", "limitations", "field_level",
          "active")
REQUIRED = ("code", "name", "definition", "numerator", "results_chain")
TEXTS = ("name", "name_en", "short_name", "definition", "definition_en", "numerator",
         "numerator_label", "denominator", "denominator_label", "unit", "programme_group",
         "data_source", "responsible", "limitations")
DEFAULTS: dict[str, Any] = {
    "name_en": "", "short_name": "", "definition_en": "", "numerator_label": "",
    "denominator": "", "denominator_label": "", "factor": 1.0, "unit": "", "decimals": 1,
    "periodicity": Periodicity.MONTH, "disaggregations": [], "programme_group": "",
    "data_source": "", "responsible": "", "direction": Direction.HIGHER, "green_at": 100.0,
    "yellow_at": 80.0, "limitations": "", "field_level": False, "active": True}
# Codes that are page addresses under /indicators/.
RESERVED_CODES = {"new", "targets", "check"}
# Sources whose records belong to a volunteer (a field-level indicator uses only these).
FIELD_SOURCES = {"contacts", "enrolments"}


class CatalogueError(ValueError):
    """A shipped (or given) catalogue file is wrong; `errors` lists every problem, each
    naming the file, the indicator code and the field."""

    def __init__(self, errors: list[str]):
        self.errors = errors
        super().__init__("\n".join(errors))


# ---- codes expressions may name --------------------------------------------------------------

def known_codes():
    """The `known(source, field)` callback of `expression.check`: the programme, item,
    co-responsibility and data-element codes of the database, together with those of the
    shipped presets and catalogues (so that the shipped indicators check on an empty
    database too). Read once per call of `known_codes()`."""
    cache: dict[str, set[str]] = {}

    def get(kind: str) -> set[str]:
        if kind not in cache:
            cache[kind] = _db_codes(kind) | _shipped_codes()[kind]
        return cache[kind]

    def known(source: str, name: str) -> set[str] | None:
        if name == "programme" and source in ("enrolments", "compliance"):
            return get("programme")
        if source == "deliveries" and name == "item":
            return get("item")
        if source == "compliance" and name == "condition":
            return get("condition")
        if source == "aggregate" and name == "element":
            return get("element")
        return None

    return known


def _db_codes(kind: str) -> set[str]:
    if kind == "programme":
        from crecer.programmes.models import Programme

        return set(Programme.objects.values_list("code", flat=True))
    if kind == "condition":
        from crecer.programmes.models import Programme

        codes: set[str] = set()
        for config in Programme.objects.values_list("config", flat=True):
            codes |= {c.get("code") for c in (config or {}).get("coresponsibilities", [])
                      if isinstance(c, dict) and c.get("code")}
        return codes
    if kind == "item":
        from crecer.deliveries.models import Item

        return set(Item.objects.values_list("code", flat=True))
    from crecer.aggregates.models import DataElement

    return set(DataElement.objects.values_list("code", flat=True))


@lru_cache(maxsize=1)
def _shipped_codes() -> dict[str, set[str]]:
    out: dict[str, set[str]] = {"programme": set(), "condition": set(), "item": set(),
                                "element": set()}
    try:
        from crecer.programmes.presets import PRESETS_DIR

        for path in PRESETS_DIR.glob("*.json"):
            data = json.loads(path.read_text(encoding="utf-8"))
            out["programme"].add(data.get("code", ""))
            out["condition"] |= {c.get("code", "") for c in
                                 data.get("config", {}).get("coresponsibilities", [])}
            out["item"] |= set(data.get("config", {}).get("deliverables", []))
    except (ImportError, OSError, ValueError):  # pragma: no cover - presets are shipped
        pass
    try:
        from crecer.deliveries.catalogue import ITEMS

        out["item"] |= {row["code"] for row in ITEMS}
    except ImportError:  # pragma: no cover
        pass
    try:
        from crecer.aggregates.catalogue import ELEMENTS_FILE

        with ELEMENTS_FILE.open("rb") as fh:
            out["element"] |= {e.get("code", "") for e in tomllib.load(fh).get("element", [])}
    except (ImportError, OSError, ValueError):  # pragma: no cover
        pass
    return {k: v - {""} for k, v in out.items()}


# ---- one definition ------------------------------------------------------------------------

def expression_message(label: str, exc: expression.ExpressionError) -> str:
    """'Numerator, line 1, column 21: 'sexo' is not a field of persons; …'"""
    if exc.line:
        return _("%(field)s, line %(line)s, column %(column)s: %(reason)s") % {
            "field": label, "line": exc.line, "column": exc.column, "reason": exc.message}
    return _("%(field)s: %(reason)s") % {"field": label, "reason": exc.message}


def clean_definition(data: dict[str, Any], *, known=None) -> dict[str, Any]:
    """A complete, checked definition from `data` (missing optional fields take their
    defaults). Raises ValidationError({field: [message]}) naming every wrong field; the
    expressions are parsed and checked against the sources and the known codes."""
    errors: dict[str, list[str]] = {}
    out: dict[str, Any] = {**DEFAULTS}

    def err(name: str, message: str) -> None:
        errors.setdefault(name, []).append(message)

    unknown = sorted(set(data) - set(FIELDS))
    if unknown:
        err("__all__", _("Unknown fields: %(names)s.") % {"names": ", ".join(unknown)})
    for name in FIELDS:
        value = data.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            if name in REQUIRED:
                err(name, _("This field is required."))
            continue
        out[name] = value
    for name in TEXTS:
        if not isinstance(out.get(name, ""), str):
            err(name, _("Must be text."))
            out[name] = ""
        else:
            out[name] = out.get(name, "").strip()
    _clean_choices(out, err)
    _clean_numbers(out, err)
    _clean_expressions(out, err, known if known is not None else known_codes())
    if errors:
        raise ValidationError(errors)
    return out


def _clean_choices(out: dict, err) -> None:
    code = str(out.get("code") or "")
    out["code"] = code
    if code and not _is_slug(code):
        err("code", _("Use lower-case letters, digits, '-' and '_' only (for example "
                      "hn-caregiver-registry)."))
    elif code in RESERVED_CODES:
        err("code", _("'%(code)s' is reserved; choose another code.") % {"code": code})
    for name, choices in (("results_chain", ResultsChain), ("periodicity", Periodicity),
                          ("direction", Direction)):
        value = out.get(name)
        if value and value not in choices.values:
            err(name, _("'%(value)s' is not one of: %(choices)s.")
                % {"value": value, "choices": ", ".join(choices.values)})
    dims = out.get("disaggregations") or []
    if isinstance(dims, str):
        dims = [d.strip() for d in dims.split(",") if d.strip()]
    if not isinstance(dims, list | tuple) or not all(isinstance(d, str) for d in dims):
        err("disaggregations", _("Give a list of disaggregations."))
        dims = []
    bad = [d for d in dims if d not in DIMENSIONS]
    if bad:
        err("disaggregations", _("Unknown disaggregations: %(bad)s; the disaggregations are: "
                                 "%(all)s.") % {"bad": ", ".join(bad),
                                                "all": ", ".join(DIMENSIONS)})
    out["disaggregations"] = [d for d in DIMENSIONS if d in dims]  # canonical order, no repeats
    for name in ("field_level", "active"):
        if not isinstance(out[name], bool):
            err(name, _("Must be true or false."))


def _is_slug(code: str) -> bool:
    return len(code) <= 64 and all(c.isascii() and (c.islower() or c.isdigit() or c in "-_")
                                   for c in code)


def _number(value) -> float | None:
    if isinstance(value, bool):
        return None
    try:
        number = float(str(value).replace(",", ".")) if isinstance(value, str) else float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _clean_numbers(out: dict, err) -> None:
    for name in ("factor", "green_at", "yellow_at"):
        number = _number(out[name])
        if number is None:
            err(name, _("Enter a number."))
        out[name] = number
    if out["factor"] == 0:
        err("factor", _("The factor cannot be 0."))
    decimals = out["decimals"]
    if isinstance(decimals, bool) or not isinstance(decimals, int | str) \
            or not str(decimals).isdigit() or int(decimals) > 6:
        err("decimals", _("Enter a whole number from 0 to 6."))
    else:
        out["decimals"] = int(decimals)
    green, yellow = out["green_at"], out["yellow_at"]
    if green is None or yellow is None:
        return
    if green < 0 or yellow < 0:
        err("yellow_at" if yellow < 0 else "green_at",
            _("Thresholds are percentages of the target (0 or more)."))
    elif out["direction"] == Direction.LOWER and yellow < green:
        err("yellow_at", _("When lower is better, the yellow threshold (%(y)s %% of the target) "
                           "must be at or above the green one (%(g)s %%).")
            % {"y": _pct(yellow), "g": _pct(green)})
    elif out["direction"] != Direction.LOWER and yellow > green:
        err("yellow_at", _("When higher is better, the yellow threshold (%(y)s %% of the "
                           "target) must be at or below the green one (%(g)s %%).")
            % {"y": _pct(yellow), "g": _pct(green)})


def _pct(x: float) -> str:
    return f"{x:g}"


def _clean_expressions(out: dict, err, known) -> None:
    trees = {}
    for name in ("numerator", "denominator"):
        text = out.get(name) or ""
        if not text:
            continue
        try:
            trees[name] = expression.check(text, known)
        except expression.ExpressionError as exc:
            label = _("Numerator") if name == "numerator" else _("Denominator")
            err(name, expression_message(label, exc))
    if "numerator" not in trees:
        return
    supported = expression.dims_supported(trees["numerator"])
    extra = [d for d in out["disaggregations"] if d not in supported]
    if extra:
        err("disaggregations", _(
            "The numerator cannot be split by %(extra)s (its sources support: %(ok)s).")
            % {"extra": ", ".join(extra), "ok": ", ".join(sorted(supported)) or _("none")})
    if out.get("field_level"):
        sources = {a.source for t in trees.values() for a in expression.aggregates(t)}
        if not sources <= FIELD_SOURCES:
            err("field_level", _("Only indicators over contacts and enrolments can be split by "
                                 "volunteer; this one uses %(sources)s.")
                % {"sources": ", ".join(sorted(sources - FIELD_SOURCES))})


# ---- the shipped files ----------------------------------------------------------------------

@dataclass
class LoadReport:
    files: list[str] = field(default_factory=list)
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)  # edited on the page: left as they are

    def __str__(self) -> str:
        return (f"{len(self.files)} files: {len(self.created)} created, {len(self.updated)} "
                f"updated, {len(self.unchanged)} unchanged, {len(self.kept)} kept "
                f"(edited on the page)")


def read_catalogue(path: Path | str | None = None, *, known=None) -> list[dict[str, Any]]:
    """Every definition of the catalogue file `path` (or of every file of the folder `path`,
    by default the shipped one), checked. Raises CatalogueError listing every problem as
    'file: indicator code: field: message'."""
    path = Path(path) if path is not None else CATALOGUE_DIR
    files = sorted(path.glob("*.toml")) if path.is_dir() else [path]
    known = known if known is not None else known_codes()
    errors: list[str] = []
    out: list[dict[str, Any]] = []
    seen: dict[str, str] = {}
    for file in files:
        try:
            with file.open("rb") as fh:
                data = tomllib.load(fh)
        except tomllib.TOMLDecodeError as exc:
            errors.append(f"{file.name}: {exc}")
            continue
        defaults = data.get("defaults", {})
        extra = sorted(set(data) - {"defaults", "indicator"})
        if extra:
            errors.append(f"{file.name}: unknown tables or keys {extra} (use [defaults] and "
                          "[[indicator]])")
        for n, raw in enumerate(data.get("indicator", []), start=1):
            code = raw.get("code") or f"#{n}"
            try:
                clean = clean_definition({**defaults, **raw}, known=known)
            except ValidationError as exc:
                for name, messages in exc.message_dict.items():
                    # expression messages name their field already ("Numerator, line 1, …")
                    where = "" if name in ("__all__", "numerator", "denominator") \
                        else f"{name}: "
                    errors += [f"{file.name}: {code}: {where}{m}" for m in messages]
                continue
            if clean["code"] in seen:
                errors.append(f"{file.name}: {code}: code: already defined in "
                              f"{seen[clean['code']]}")
                continue
            seen[clean["code"]] = file.name
            clean["_file"] = file.name
            out.append(clean)
    if errors:
        raise CatalogueError(errors)
    return out


def load_catalogue(path: Path | str | None = None, *, overwrite: bool = False) -> LoadReport:
    """Create or update the indicators of the catalogue files (origin "catalogue"). Every
    definition is checked first; one error and nothing is saved (CatalogueError). An indicator
    edited on the page (origin "ui") is kept as it is unless `overwrite`. Idempotent;
    changes are audited (actor "system")."""
    definitions = read_catalogue(path)
    report = LoadReport(files=sorted({d["_file"] for d in definitions}))
    with transaction.atomic():
        existing = {i.code: i for i in Indicator.objects.filter(
            code__in=[d["code"] for d in definitions])}
        for d in definitions:
            values = {k: d[k] for k in FIELDS if k != "code"}
            current = existing.get(d["code"])
            if current is None:
                ind = Indicator.objects.create(code=d["code"], origin="catalogue", **values)
                audit.record(actor=None, action=AuditAction.CREATE, obj=ind,
                             changes=audit.diff({}, audit.snapshot(ind)), note="catalogue")
                report.created.append(ind.code)
                continue
            if current.origin != "catalogue" and not overwrite:
                report.kept.append(current.code)
                continue
            before = audit.snapshot(current)
            for k, v in values.items():
                setattr(current, k, v)
            current.origin = "catalogue"
            changes = audit.diff(before, audit.snapshot(current))
            if changes:
                current.save()
                audit.record(actor=None, action=AuditAction.UPDATE, obj=current,
                             changes=changes, note="catalogue")
                report.updated.append(current.code)
            else:
                report.unchanged.append(current.code)
    return report


# ---- export ---------------------------------------------------------------------------------

def export_catalogue(indicators: Iterable[Indicator] | None = None) -> str:
    """The indicators (by default those made or edited on the page) as a catalogue file."""
    if indicators is None:
        indicators = Indicator.objects.filter(origin="ui").order_by("code")
    lines = ["# Indicators exported from Crecer (`crecer indicators export-catalogue`).",
             "# Load with `crecer indicators load-catalogue --path FILE`.", ""]
    for ind in indicators:
        lines.append("[[indicator]]")
        for name in FIELDS:
            value = getattr(ind, name)
            if name not in REQUIRED and value == DEFAULTS.get(name):
                continue
            lines.append(f"{name} = {_toml_value(value)}")
        lines.append("")
    return "\n".join(lines)


def _toml_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(float(value)) if isinstance(value, float) else str(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    text = str(value)
    if "\n" in text and "'''" not in text:
        return "'''\n" + text + "'''"
    # A JSON string is a valid TOML basic string.
    return json.dumps(text, ensure_ascii=False)
