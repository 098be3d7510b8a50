"""Programme presets shipped as JSON files in `presets/`, modelled on the seed documents."""

from __future__ import annotations

import json
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction

from .models import Programme, ProgrammeKind
from .schema import validate_config

PRESETS_DIR = Path(__file__).resolve().parent / "presets"


def read_presets() -> list[dict]:
    """Every preset file, validated (a bad file raises naming the file and the JSON path)."""
    out = []
    for path in sorted(PRESETS_DIR.glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        try:
            validate_config(data.get("config"))
            if data.get("kind") not in ProgrammeKind.values:
                raise ValidationError(f"kind: unknown kind {data.get('kind')!r}")
        except ValidationError as exc:
            raise ValidationError([f"{path.name}: {m}" for m in exc.messages]) from exc
        out.append(data)
    return out


def load_presets(*, overwrite: bool = False) -> list[Programme]:
    """Create the preset programmes that do not exist yet (by code). Existing ones keep an
    administrator's edits unless `overwrite`. System set-up, so not audited."""
    programmes = []
    with transaction.atomic():
        for data in read_presets():
            fields = {k: data[k] for k in ("name", "kind", "config")}
            fields["description"] = data.get("description", "")
            if overwrite:
                programme, _ = Programme.objects.update_or_create(code=data["code"],
                                                                  defaults=fields)
            else:
                programme, _ = Programme.objects.get_or_create(code=data["code"],
                                                               defaults=fields)
            programmes.append(programme)
    return programmes
