"""The versioned schema of `Programme.config`, checked in code (no extra dependency).

Version 1:

    {
      "schema_version": 1,
      "eligibility": {"min_age_months": 0, "max_age_months": 36,
                      "pregnancy": "accepted" | "required" | "not_accepted",
                      "areas": ["rural", "urban"]},            # empty: any area
      "schedule": {"bands": [{"from_months": 0, "to_months": 12, "every_days": 7}, ...],
                   "pregnant_every_days": 30,                 # null: pregnancy sets no visits
                   "default_every_days": 30},                 # nobody in a band
      "key_messages": [{"code", "topic", "from_months", "to_months", "text_es", "text_en",
                        "audience": "child" | "pregnant" (optional, default child)}],
      "deliverables": ["KIT-HYG", ...],                        # item codes
      "coresponsibilities": [{"code", "name", "from_months", "to_months",
                              "every_days" | "doses", "audience" (optional)}]
    }

Age bands include `from_months` and exclude `to_months`. `validate_config` raises a
`ValidationError` whose messages name the path in the JSON ("schedule.bands[1].every_days").
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

SCHEMA_VERSION = 1
TOPICS = ("nutrition", "health", "early_stimulation", "protection", "hygiene", "responsive_care")
AUDIENCES = ("child", "pregnant")
PREGNANCY = ("accepted", "required", "not_accepted")
AREAS = ("rural", "urban")
MAX_MONTHS = 216  # 18 years


class _Checker:
    def __init__(self) -> None:
        self.errors: list[str] = []

    def fail(self, path: str, message: str) -> None:
        self.errors.append(f"{path}: {message}")

    def obj(self, value: Any, path: str, required: tuple[str, ...] = ()) -> bool:
        if not isinstance(value, dict):
            self.fail(path, _("must be an object"))
            return False
        for key in required:
            if key not in value:
                self.fail(f"{path}.{key}" if path else key, _("is required"))
        return True

    def list(self, value: Any, path: str) -> bool:
        if not isinstance(value, list):
            self.fail(path, _("must be a list"))
            return False
        return True

    def int(self, value: Any, path: str, lo: int = 0, hi: int = MAX_MONTHS,
            null: bool = False) -> bool:
        if value is None and null:
            return True
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(path, _("must be a whole number"))
            return False
        if not lo <= value <= hi:
            self.fail(path, _("must be between %(lo)s and %(hi)s") % {"lo": lo, "hi": hi})
            return False
        return True

    def text(self, value: Any, path: str, max_length: int = 500) -> bool:
        if not isinstance(value, str) or not value.strip():
            self.fail(path, _("must be a non-empty text"))
            return False
        if len(value) > max_length:
            self.fail(path, _("is longer than %(n)s characters") % {"n": max_length})
            return False
        return True

    def choice(self, value: Any, path: str, choices: tuple[str, ...]) -> bool:
        if value not in choices:
            self.fail(path, _("must be one of: %(choices)s") % {"choices": ", ".join(choices)})
            return False
        return True

    def age_range(self, item: dict, path: str) -> None:
        ok = self.int(item.get("from_months"), f"{path}.from_months")
        ok = self.int(item.get("to_months"), f"{path}.to_months", lo=1) and ok
        if ok and item["from_months"] >= item["to_months"]:
            self.fail(f"{path}.to_months", _("must be greater than from_months"))

    def unique_codes(self, items: list, path: str) -> None:
        seen: set[str] = set()
        for i, item in enumerate(items):
            if not isinstance(item, dict):
                continue
            code = item.get("code")
            if self.text(code, f"{path}[{i}].code", 40) and code in seen:
                self.fail(f"{path}[{i}].code", _("repeats the code “%(code)s”") % {"code": code})
            seen.add(code)


def _check_v1(config: dict, c: _Checker) -> None:
    c.obj(config, "", ("eligibility", "schedule", "key_messages", "deliverables",
                       "coresponsibilities"))
    elig = config.get("eligibility")
    if elig is not None and c.obj(elig, "eligibility",
                                  ("min_age_months", "max_age_months", "pregnancy")):
        lo_ok = c.int(elig.get("min_age_months"), "eligibility.min_age_months")
        hi_ok = c.int(elig.get("max_age_months"), "eligibility.max_age_months", lo=1)
        if lo_ok and hi_ok and elig["min_age_months"] >= elig["max_age_months"]:
            c.fail("eligibility.max_age_months", _("must be greater than min_age_months"))
        c.choice(elig.get("pregnancy"), "eligibility.pregnancy", PREGNANCY)
        areas = elig.get("areas", [])
        if c.list(areas, "eligibility.areas"):
            for i, a in enumerate(areas):
                c.choice(a, f"eligibility.areas[{i}]", AREAS)

    sched = config.get("schedule")
    if sched is not None and c.obj(sched, "schedule", ("bands", "default_every_days")):
        c.int(sched.get("default_every_days"), "schedule.default_every_days", lo=1, hi=365)
        c.int(sched.get("pregnant_every_days"), "schedule.pregnant_every_days", lo=1, hi=365,
              null=True)
        bands = sched.get("bands")
        if c.list(bands, "schedule.bands"):
            previous_end = None
            for i, band in enumerate(bands):
                path = f"schedule.bands[{i}]"
                if not c.obj(band, path, ("from_months", "to_months", "every_days")):
                    continue
                c.age_range(band, path)
                c.int(band.get("every_days"), f"{path}.every_days", lo=1, hi=365)
                start = band.get("from_months")
                if isinstance(previous_end, int) and isinstance(start, int) and start < previous_end:
                    c.fail(f"{path}.from_months",
                           _("overlaps the previous band (bands go in ascending order)"))
                previous_end = band.get("to_months")

    messages = config.get("key_messages")
    if messages is not None and c.list(messages, "key_messages"):
        c.unique_codes(messages, "key_messages")
        for i, m in enumerate(messages):
            path = f"key_messages[{i}]"
            if not c.obj(m, path, ("code", "topic", "from_months", "to_months", "text_es",
                                   "text_en")):
                continue
            c.choice(m.get("topic"), f"{path}.topic", TOPICS)
            c.choice(m.get("audience", "child"), f"{path}.audience", AUDIENCES)
            c.age_range(m, path)
            c.text(m.get("text_es"), f"{path}.text_es")
            c.text(m.get("text_en"), f"{path}.text_en")

    items = config.get("deliverables")
    if items is not None and c.list(items, "deliverables"):
        for i, code in enumerate(items):
            if c.text(code, f"deliverables[{i}]", 40) and items.index(code) != i:
                c.fail(f"deliverables[{i}]", _("repeats the code “%(code)s”") % {"code": code})

    cores = config.get("coresponsibilities")
    if cores is not None and c.list(cores, "coresponsibilities"):
        c.unique_codes(cores, "coresponsibilities")
        for i, co in enumerate(cores):
            path = f"coresponsibilities[{i}]"
            if not c.obj(co, path, ("code", "name", "from_months", "to_months")):
                continue
            c.text(co.get("name"), f"{path}.name", 200)
            c.choice(co.get("audience", "child"), f"{path}.audience", AUDIENCES)
            c.age_range(co, path)
            if "every_days" not in co and "doses" not in co:
                c.fail(path, _("needs every_days or doses"))
            if "every_days" in co:
                c.int(co["every_days"], f"{path}.every_days", lo=1, hi=365)
            if "doses" in co:
                c.int(co["doses"], f"{path}.doses", lo=1, hi=20)


VALIDATORS = {1: _check_v1}


def validate_config(config: Any) -> dict:
    """Return the config if it is valid; raise a ValidationError listing every problem by path."""
    c = _Checker()
    if not isinstance(config, dict):
        raise ValidationError(_("The configuration must be a JSON object."))
    version = config.get("schema_version")
    check = VALIDATORS.get(version) if isinstance(version, int) else None
    if check is None:
        raise ValidationError(_("schema_version: must be one of %(versions)s") % {
            "versions": ", ".join(str(v) for v in VALIDATORS)})
    check(config, c)
    if c.errors:
        raise ValidationError(c.errors)
    return config
