"""Implementation templates: components with numbered steps, key factors and progression
indicators, and the calendar of phases, read from TOML files in `data/`.

    tpl = load("mas-bienestar")          # data/mas_bienestar.toml, validated
    tpl.components[0].steps[0].title     # "Set up the central implementation committee…"
    tpl.due_date(start, "operation")     # start + 12 months

A template is configuration: `actions.instantiate` copies it into a territory's checklist, so
editing the file later never changes checklists already made.
"""

from __future__ import annotations

import calendar
import datetime as dt
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from django.utils.translation import get_language

DATA_DIR = Path(__file__).resolve().parent / "data"


class TemplateError(ValueError):
    """The template file is malformed; the message names the file and the entry."""


def _spanish() -> bool:
    return (get_language() or "").startswith("es")


@dataclass(frozen=True)
class Text:
    text: str
    text_es: str = ""
    stage: str = ""

    @property
    def label(self) -> str:
        return self.text_es if self.text_es and _spanish() else self.text


@dataclass(frozen=True)
class Phase:
    code: str
    position: int
    ends_month: int
    name: str
    name_es: str = ""

    @property
    def label(self) -> str:
        return self.name_es if self.name_es and _spanish() else self.name


@dataclass(frozen=True)
class StepSpec:
    number: int
    phase: str
    title: str
    title_es: str = ""
    due_month: int | None = None


@dataclass(frozen=True)
class ComponentSpec:
    code: str
    number: str
    name: str
    name_es: str
    steps: tuple[StepSpec, ...]
    factors: tuple[Text, ...] = ()
    indicators: tuple[Text, ...] = ()


@dataclass(frozen=True)
class Template:
    code: str
    version: int
    name: str
    name_es: str
    source: str
    phases: dict[str, Phase] = field(hash=False)
    components: tuple[ComponentSpec, ...] = ()

    @property
    def label(self) -> str:
        return self.name_es if self.name_es and _spanish() else self.name

    @property
    def step_count(self) -> int:
        return sum(len(c.steps) for c in self.components)

    def due_month(self, step: StepSpec) -> int:
        return step.due_month if step.due_month is not None else self.phases[step.phase].ends_month

    def due_date(self, start: dt.date, phase: str, due_month: int | None = None) -> dt.date:
        months = due_month if due_month is not None else self.phases[phase].ends_month
        return add_months(start, months)


def add_months(start: dt.date, months: int) -> dt.date:
    """The same day `months` later (the month's last day when it is shorter)."""
    index = start.year * 12 + start.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    return dt.date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def _str(entry: dict, key: str, where: str, required: bool = True) -> str:
    value = entry.get(key, "")
    if not isinstance(value, str) or (required and not value.strip()):
        raise TemplateError(f"{where}: `{key}` must be a non-empty string")
    return value.strip()


def parse(data: dict, where: str = "template") -> Template:
    """Validate the TOML document and build the Template (TemplateError on the first problem)."""
    head = data.get("template")
    if not isinstance(head, dict):
        raise TemplateError(f"{where}: missing [template] table")
    code = _str(head, "code", f"{where} [template]")
    version = head.get("version", 1)
    if not isinstance(version, int) or version < 1:
        raise TemplateError(f"{where} [template]: `version` must be a positive integer")
    phases: dict[str, Phase] = {}
    for pcode, p in (data.get("phases") or {}).items():
        w = f"{where} [phases.{pcode}]"
        ends = p.get("ends_month")
        if not isinstance(ends, int) or not 0 < ends <= 120:
            raise TemplateError(f"{w}: `ends_month` must be a whole number of months (1-120)")
        phases[pcode] = Phase(pcode, int(p.get("position", len(phases) + 1)), ends,
                              _str(p, "name", w), _str(p, "name_es", w, required=False))
    if not phases:
        raise TemplateError(f"{where}: no [phases.*] table")
    components: list[ComponentSpec] = []
    seen_codes: set[str] = set()
    for i, c in enumerate(data.get("component") or [], start=1):
        w = f"{where} component {i}"
        ccode = _str(c, "code", w)
        if ccode in seen_codes:
            raise TemplateError(f"{w}: component code {ccode!r} is used twice")
        seen_codes.add(ccode)
        w = f"{where} component {ccode}"
        steps: list[StepSpec] = []
        numbers: set[int] = set()
        for s in c.get("step") or []:
            number = s.get("number")
            if not isinstance(number, int) or number < 1 or number in numbers:
                raise TemplateError(f"{w}: step numbers must be distinct positive integers "
                                    f"(got {number!r})")
            numbers.add(number)
            sw = f"{w} step {number}"
            phase = _str(s, "phase", sw)
            if phase not in phases:
                raise TemplateError(f"{sw}: unknown phase {phase!r} (known: "
                                    f"{', '.join(sorted(phases))})")
            due = s.get("due_month")
            if due is not None and (not isinstance(due, int) or not 0 < due <= 120):
                raise TemplateError(f"{sw}: `due_month` must be a whole number of months")
            steps.append(StepSpec(number, phase, _str(s, "title", sw),
                                  _str(s, "title_es", sw, required=False), due))
        if not steps:
            raise TemplateError(f"{w}: a component needs at least one [[component.step]]")

        def texts(key: str, w=w, c=c) -> tuple[Text, ...]:
            out = []
            for j, t in enumerate(c.get(key) or [], start=1):
                tw = f"{w} {key} {j}"
                out.append(Text(_str(t, "text", tw), _str(t, "text_es", tw, required=False),
                                _str(t, "stage", tw, required=False)))
            return tuple(out)

        components.append(ComponentSpec(
            ccode, str(c.get("number", i)), _str(c, "name", w), _str(c, "name_es", w, False),
            tuple(sorted(steps, key=lambda s: s.number)), texts("factor"), texts("indicator")))
    if not components:
        raise TemplateError(f"{where}: no [[component]]")
    return Template(code=code, version=version, name=_str(head, "name", f"{where} [template]"),
                    name_es=_str(head, "name_es", f"{where} [template]", False),
                    source=_str(head, "source", f"{where} [template]", False),
                    phases=dict(sorted(phases.items(), key=lambda kv: kv[1].position)),
                    components=tuple(components))


def available() -> dict[str, Path]:
    """The template files shipped in data/, by template code."""
    out = {}
    for path in sorted(DATA_DIR.glob("*.toml")):
        with path.open("rb") as fh:
            code = tomllib.load(fh).get("template", {}).get("code")
        if code:
            out[code] = path
    return out


@lru_cache(maxsize=8)
def load(code: str = "mas-bienestar") -> Template:
    path = available().get(code)
    if path is None:
        raise TemplateError(f"no implementation template {code!r} in {DATA_DIR}")
    with path.open("rb") as fh:
        return parse(tomllib.load(fh), where=path.name)
