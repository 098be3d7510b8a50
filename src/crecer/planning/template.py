"""The maturity questionnaire: a TOML template (`data/*.toml`) read into checked dataclasses.

Names and texts are data in two languages (`name`, `name_es`): `label()`/`text()` pick the
active language, like the aggregates' elements. `template()` is cached; the file is checked as a
whole when read (unknown keys, duplicate codes, a scale without every level) so that a broken
template fails at start-up, not half-way through a diagnosis.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from django.utils.translation import get_language

DATA_DIR = Path(__file__).parent / "data"
DEFAULT_TEMPLATE = "ril-maturity"
HORIZONS = {"short": 1, "medium": 2, "long": 3}


class TemplateError(ValueError):
    """The template file is malformed; the message names the place."""


def _spanish() -> bool:
    return (get_language() or "es").startswith("es")


def _pick(en: str, es: str) -> str:
    return es if es and _spanish() else en


@dataclass(frozen=True)
class Level:
    value: int
    name: str
    name_es: str
    description: str
    description_es: str

    def label(self) -> str:
        return _pick(self.name, self.name_es)

    def text(self) -> str:
        return _pick(self.description, self.description_es)


@dataclass(frozen=True)
class Question:
    code: str
    dimension: str
    text_en: str
    text_es: str
    low_en: str = ""
    low_es: str = ""
    high_en: str = ""
    high_es: str = ""

    def text(self) -> str:
        return _pick(self.text_en, self.text_es)

    def low(self) -> str:
        return _pick(self.low_en, self.low_es)

    def high(self) -> str:
        return _pick(self.high_en, self.high_es)


@dataclass(frozen=True)
class Dimension:
    code: str
    name: str
    name_es: str
    suggestion: str
    suggestion_es: str
    suggestion_horizon: int
    questions: tuple[Question, ...]

    def label(self) -> str:
        return _pick(self.name, self.name_es)

    def suggestion_text(self) -> str:
        return _pick(self.suggestion, self.suggestion_es)


@dataclass(frozen=True)
class Template:
    code: str
    version: int
    name: str
    name_es: str
    scale_min: int
    scale_max: int
    levels: tuple[Level, ...]
    dimensions: tuple[Dimension, ...]

    def label(self) -> str:
        return _pick(self.name, self.name_es)

    @property
    def questions(self) -> dict[str, Question]:
        return {q.code: q for d in self.dimensions for q in d.questions}

    def dimension(self, code: str) -> Dimension | None:
        return next((d for d in self.dimensions if d.code == code), None)

    def level(self, value: int) -> Level | None:
        return next((lv for lv in self.levels if lv.value == value), None)


_DIM_KEYS = {"code", "name", "name_es", "suggestion", "suggestion_es", "suggestion_horizon",
             "question"}
_Q_KEYS = {"code", "text", "text_es", "low", "low_es", "high", "high_es"}
_LEVEL_KEYS = {"value", "name", "name_es", "description", "description_es"}


def _unknown(where: str, given: dict, allowed: set[str]) -> None:
    extra = set(given) - allowed
    if extra:
        raise TemplateError(f"{where}: unknown keys {sorted(extra)}")


def read(path: Path) -> Template:
    with path.open("rb") as fh:
        data = tomllib.load(fh)
    head = data.get("template", {})
    scale = data.get("scale", {})
    if not head.get("code") or not isinstance(head.get("version"), int):
        raise TemplateError(f"{path.name}: [template] needs a code and an integer version")
    low, high = scale.get("min"), scale.get("max")
    if not (isinstance(low, int) and isinstance(high, int) and low < high):
        raise TemplateError(f"{path.name}: [scale] needs integer min < max")
    levels = []
    for n, lv in enumerate(scale.get("level", []), start=1):
        _unknown(f"{path.name}, level {n}", lv, _LEVEL_KEYS)
        levels.append(Level(int(lv["value"]), lv["name"], lv.get("name_es", ""),
                            lv.get("description", ""), lv.get("description_es", "")))
    if sorted(lv.value for lv in levels) != list(range(low, high + 1)):
        raise TemplateError(f"{path.name}: the scale needs one level for each value {low}-{high}")
    dims: list[Dimension] = []
    seen: set[str] = set()
    for n, d in enumerate(data.get("dimension", []), start=1):
        where = f"{path.name}, dimension {n} ({d.get('code', '?')})"
        _unknown(where, d, _DIM_KEYS)
        if not d.get("code") or not d.get("name") or not d.get("question"):
            raise TemplateError(f"{where}: needs a code, a name and questions")
        horizon = d.get("suggestion_horizon", "medium")
        if horizon not in HORIZONS:
            raise TemplateError(f"{where}: suggestion_horizon must be short, medium or long")
        questions = []
        for q in d["question"]:
            _unknown(f"{where}, question {q.get('code', '?')}", q, _Q_KEYS)
            if not q.get("code") or not q.get("text"):
                raise TemplateError(f"{where}: every question needs a code and a text")
            if q["code"] in seen:
                raise TemplateError(f"{where}: question code {q['code']} used twice")
            seen.add(q["code"])
            questions.append(Question(q["code"], d["code"], q["text"], q.get("text_es", ""),
                                      q.get("low", ""), q.get("low_es", ""),
                                      q.get("high", ""), q.get("high_es", "")))
        dims.append(Dimension(d["code"], d["name"], d.get("name_es", ""),
                              d.get("suggestion", ""), d.get("suggestion_es", ""),
                              HORIZONS[horizon], tuple(questions)))
    if len({d.code for d in dims}) != len(dims) or not dims:
        raise TemplateError(f"{path.name}: dimension codes must be present and unique")
    return Template(head["code"], head["version"], head.get("name", head["code"]),
                    head.get("name_es", ""), low, high, tuple(levels), tuple(dims))


@cache
def templates() -> dict[str, Template]:
    out: dict[str, Template] = {}
    for path in sorted(DATA_DIR.glob("*.toml")):
        t = read(path)
        out[t.code] = t
    return out


def template(code: str = DEFAULT_TEMPLATE) -> Template:
    try:
        return templates()[code]
    except KeyError:
        raise TemplateError(f"unknown questionnaire template '{code}'") from None
